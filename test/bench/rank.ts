// `npm run bench -- rank`: the ranking on every labelled Nezha case in
// ../shared/fixtures/rca/nezha: where the true root-cause service lands,
// top-1/3/5 per system and fault type, and the time per case (load + rank).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultRankOptions, rank } from '../../src/analysis/rank/index.js';
import { loadNezhaCase, rankInputOf, type NezhaCase } from '../../src/sources/cases/nezha.js';

interface Row {
  name: string;
  system: string;
  fault: string;
  truth: string;
  position?: number;
  top: string;
  ms: number;
}

export async function benchRank(fixtures: string): Promise<void> {
  const dir = join(fixtures, 'rca', 'nezha');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^(ob|tt)-/.test(n)).sort();
  } catch {
    console.log('rank: skipped (../shared/fixtures absent)\n');
    return;
  }
  const baselines: NezhaCase[] = [];
  for (const b of readdirSync(dir).filter((n) => n.startsWith('baseline'))) {
    const r = await loadNezhaCase(join(dir, b));
    if (r.ok) baselines.push(r.value);
  }
  const rows: Row[] = [];
  // Where the truth lands for each value of the one fitted parameter, per case: for leave-one-out.
  const grid = [0, 0.25, 0.5, 0.75, 1];
  const firstAt: boolean[][] = [];
  for (const name of names) {
    const label = JSON.parse(readFileSync(join(dir, name, 'label.json'), 'utf8')) as { root_cause_service: string; inject_type: string };
    const t0 = performance.now();
    const c = await loadNezhaCase(join(dir, name));
    if (!c.ok) throw new Error(c.error);
    const input = rankInputOf(c.value, baselines);
    const { ranking } = rank(input);
    const ms = performance.now() - t0;
    const i = ranking.findIndex((r) => r.service === label.root_cause_service);
    rows.push({ name, system: name.startsWith('ob-') ? 'OnlineBoutique' : 'TrainTicket', fault: label.inject_type, truth: label.root_cause_service, position: i >= 0 ? i + 1 : undefined, top: ranking[0]?.service ?? '-', ms });
    firstAt.push(grid.map((g) => rank(input, { unconfirmedLatency: g }).ranking[0]?.service === label.root_cause_service));
  }
  // Leave-one-out: the value that ranks the most other cases first (the default on a tie), judged on the case left out.
  let loo = 0;
  const chosen: number[] = [];
  for (let k = 0; k < names.length; k++) {
    const score = grid.map((_, g) => firstAt.reduce((n, f, j) => n + (j !== k && f[g] ? 1 : 0), 0));
    const best = Math.max(...score);
    const g = score[grid.indexOf(defaultRankOptions.unconfirmedLatency)] === best ? grid.indexOf(defaultRankOptions.unconfirmedLatency) : score.indexOf(best);
    chosen.push(grid[g]);
    if (firstAt[k][g]) loo++;
  }
  const within = (rs: Row[], k: number) => rs.filter((r) => r.position !== undefined && r.position <= k).length;
  const line = (what: string, rs: Row[]) =>
    `  ${what.padEnd(36)} ${String(rs.length).padStart(3)}   ${[1, 3, 5].map((k) => `${String(within(rs, k)).padStart(3)} (${String(Math.round((100 * within(rs, k)) / rs.length)).padStart(3)}%)`).join('  ')}`;
  console.log(`root-cause ranking on ${rows.length} labelled Nezha cases (in-sample; one method, no per-case or per-system constants)\n`);
  console.log(`  ${'system / fault type'.padEnd(36)} cases  top-1       top-3       top-5`);
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.system} ${r.fault}`, [...(groups.get(`${r.system} ${r.fault}`) ?? []), r]);
  for (const [g, rs] of [...groups].sort()) console.log(line(g, rs));
  for (const s of ['OnlineBoutique', 'TrainTicket']) console.log(line(`${s} (all)`, rows.filter((r) => r.system === s)));
  console.log(line('all', rows));
  console.log(`\n  leave-one-out top-1 (unconfirmedLatency chosen from ${grid.join(', ')} on the other ${names.length - 1} cases each time): ${loo} of ${names.length} (${Math.round((100 * loo) / names.length)}%); chosen: ${[...new Set(chosen)].join(', ')}`);
  console.log(`  in-sample top-1 by value: ${grid.map((g, i) => `${g}: ${firstAt.filter((f) => f[i]).length}`).join(', ')}`);
  const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`\n  time per case (load + rank): median ${Math.round(ms[ms.length >> 1])} ms, max ${Math.round(ms[ms.length - 1])} ms`);
  const wrong = rows.filter((r) => r.position !== 1);
  if (wrong.length) console.log(`\n  not first (${wrong.length}):`);
  for (const r of wrong) console.log(`    ${r.name}: ${r.truth} ${r.position === undefined ? 'not ranked' : `#${r.position}`}, ${r.top} first`);
  console.log('');
}

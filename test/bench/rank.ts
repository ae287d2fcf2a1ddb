// `npm run bench -- rank`: the ranking on every labelled Nezha case in
// ../shared/fixtures/rca/nezha: where the true root-cause service lands,
// top-1/3/5 per system and fault type, and the time per case (load + rank).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultRankOptions, logSignalsOf, metricSignalsOf, rank, rankSignals, traceSignalsOf, type RankOptionChanges } from '../../src/analysis/rank/index.js';
import { pathCandidates, pathSignalsOf, type PathOptions } from '../../src/analysis/rank/paths.js';
import type { TraceOptions } from '../../src/analysis/rank/traces.js';
import { reachCandidates, reachSignalsOf, type ReachOptions } from '../../src/analysis/rank/reach.js';
import type { Signal } from '../../src/analysis/rank/signal.js';
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
  // Whether the truth comes first for each point of the grid of fitted parameters, per case: for leave-one-out.
  const firstAt: boolean[][] = [];
  /** 1 / the truth's position, per case and grid point (0 when not ranked). */
  const reciprocal: number[][] = [];
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
    // Each source's signals once per value of its own options; the ranking from them per grid point.
    const fixed = [...logSignalsOf(input), ...metricSignalsOf(input)];
    const byTraces = new Map<TraceGrid, Signal[]>(traceGrid.map((t) => [t, traceSignalsOf(input, t)]));
    const candidates = pathCandidates(input.logs, input.spans);
    const byPaths = new Map<PathGrid, Signal[]>(pathGrid.map((p) => [p, pathSignalsOf(candidates, p)]));
    const reaching = reachCandidates(input.spans);
    const byReach = new Map<ReachGrid, Signal[]>(reachGrid.map((r) => [r, reachSignalsOf(reaching, r)]));
    const at = grid.map((o) => rankSignals(input, [...(byTraces.get(o.t) as Signal[]), ...fixed, ...(byPaths.get(o.p) as Signal[]), ...(byReach.get(o.r) as Signal[])], o.options).ranking.findIndex((r) => r.service === label.root_cause_service) + 1);
    firstAt.push(at.map((a) => a === 1));
    reciprocal.push(at.map((a) => (a > 0 ? 1 / a : 0)));
  }
  // Leave-one-out: the grid point that ranks the most other cases first (on a tie, the one whose
  // truths sit highest on the other cases, by mean reciprocal rank; then the one fewest parameters
  // away from the values set by hand before any fitting, not the fitted defaults, which saw every
  // case), judged on the case left out.
  let loo = 0;
  const chosen = new Map<string, number>();
  const looWrong: string[] = [];
  for (let k = 0; k < names.length; k++) {
    const score = grid.map((_, g) => firstAt.reduce((n, f, j) => n + (j !== k && f[g] ? 1 : 0), 0) + reciprocal.reduce((n, r, j) => n + (j !== k ? r[g] : 0), 0) / (2 * names.length));
    let g = -1;
    for (let i = 0; i < grid.length; i++) if (g < 0 || score[i] > score[g] + 1e-9 || (Math.abs(score[i] - score[g]) <= 1e-9 && grid[i].changed < grid[g].changed)) g = i;
    chosen.set(grid[g].name, (chosen.get(grid[g].name) ?? 0) + 1);
    if (firstAt[k][g]) loo++;
    else looWrong.push(`${names[k]}${grid[g].name ? ` (with ${grid[g].name})` : ''}`);
  }
  const inSample = grid.map((_, g) => firstAt.filter((f) => f[g]).length);
  const atDefault = inSample[grid.findIndex((o) => o.name === '')];
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
  console.log(`\n  leave-one-out top-1 (${grid.length} joint settings of ${gridSays}, chosen on the other ${names.length - 1} cases each time): ${loo} of ${names.length} (${Math.round((100 * loo) / names.length)}%)`);
  console.log(`  not first when left out: ${looWrong.join('; ')}`);
  console.log(`  chosen: ${[...chosen].map(([n, c]) => `${n || 'the defaults'} (${c}×)`).join('; ')}`);
  console.log(`  in-sample top-1: defaults ${atDefault}, best setting ${Math.max(...inSample)}, worst ${Math.min(...inSample)}; settings at the best: ${inSample.filter((n) => n === Math.max(...inSample)).length}`);
  const ms = rows.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`\n  time per case (load + rank): median ${Math.round(ms[ms.length >> 1])} ms, max ${Math.round(ms[ms.length - 1])} ms`);
  const wrong = rows.filter((r) => r.position !== 1);
  if (wrong.length) console.log(`\n  not first (${wrong.length}):`);
  for (const r of wrong) console.log(`    ${r.name}: ${r.truth} ${r.position === undefined ? 'not ranked' : `#${r.position}`}, ${r.top} first`);
  console.log('');
}

// The grid of the fitted parameters: each near its default, the path thresholds and score curve in
// a few coherent settings rather than every combination, so that the bench stays quick.
type TraceGrid = Partial<TraceOptions>;
type PathGrid = Partial<PathOptions>;
type ReachGrid = Partial<ReachOptions>;
const traceGrid: TraceGrid[] = [40, 75, 110].flatMap((earlySeconds) => [2, 3, 5].map((driftRatio) => ({ earlySeconds, driftRatio })));
const pathGrid: PathGrid[] = [4, 5, 6].flatMap((minCalls) =>
  [{ before: 0.5, after: 0.2 }, { before: 0.6, after: 0.1 }, { before: 0.7, after: 0.05 }].flatMap((ba) =>
    [{ g0: 5, high: 0.8 }, { g0: 10, high: 0.8 }, { g0: 20, high: 0.8 }, { g0: 10, high: 0.7 }, { g0: 10, high: 0.9 }].map((curve) => ({ minCalls, ...ba, ...curve })),
  ),
);
const reachGrid: ReachGrid[] = [{ g0: 2 }, { g0: 5 }];
const latencyGrid = [0.25, 0.5, 0.75];
const gridSays = `unconfirmedLatency ${latencyGrid.join('/')}; drift earlySeconds 40/75/110 × driftRatio 2/3/5; paths minCalls 4/5/6 × before/after 0.5/0.2, 0.6/0.1, 0.7/0.05 × score curve g0/high 5/0.8, 10/0.8, 20/0.8, 10/0.7, 10/0.9; reach g0 2/5`;

/** The values set by hand before the fit: the tie-break of last resort. */
const handSet = { unconfirmedLatency: 0.5, traces: { earlySeconds: 75, driftRatio: 3 } as TraceGrid, paths: { minCalls: 5, before: 0.6, after: 0.1, g0: 10, high: 0.8 } as PathGrid, reach: { g0: 5 } as ReachGrid };

interface GridPoint {
  t: TraceGrid;
  p: PathGrid;
  r: ReachGrid;
  options: RankOptionChanges;
  /** How many parameters differ from the defaults, and which. */
  changed: number;
  name: string;
}

const grid: GridPoint[] = latencyGrid.flatMap((unconfirmedLatency) =>
  traceGrid.flatMap((t) =>
    pathGrid.flatMap((p) => reachGrid.map((r): GridPoint => {
      // Named by how it differs from the defaults; tied by how far it is from the hand-set values.
      const diff: string[] = [];
      let changed = unconfirmedLatency !== handSet.unconfirmedLatency ? 1 : 0;
      if (unconfirmedLatency !== defaultRankOptions.unconfirmedLatency) diff.push(`unconfirmedLatency ${unconfirmedLatency}`);
      for (const [k, v] of Object.entries(t)) {
        if (defaultRankOptions.traces[k as keyof TraceOptions] !== v) diff.push(`${k} ${v}`);
        if (handSet.traces[k as keyof TraceGrid] !== v) changed++;
      }
      for (const [k, v] of Object.entries(p)) {
        if (defaultRankOptions.paths[k as keyof PathOptions] !== v) diff.push(`${k} ${v}`);
        if (handSet.paths[k as keyof PathGrid] !== v) changed++;
      }
      for (const [k, v] of Object.entries(r)) {
        if (defaultRankOptions.reach[k as keyof ReachOptions] !== v) diff.push(`reach ${k} ${v}`);
        if (handSet.reach[k as keyof ReachGrid] !== v) changed++;
      }
      return { t, p, r, options: { unconfirmedLatency, traces: t, paths: p, reach: r }, changed, name: diff.join(', ') };
    })),
  ),
);

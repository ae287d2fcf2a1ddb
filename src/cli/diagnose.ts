// `rca-bot diagnose <service> | --url <base>`: capture, detect, fuse, and
// print the report; --out writes the flame graphs, profiles and summary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toMarkdown } from '../../templates/markdown.js';
import { closeNames, loadRegistry } from '../config/registry.js';
import { UserError } from '../errors.js';
import { kindLabel, profileKind } from '../profile/kind.js';
import { resolveSampleIndex } from '../profile/top.js';
import { callTree } from '../profile/tree.js';
import { diagnose, diagnosePast, type Diagnosis, type Target } from '../rca/diagnose.js';
import { AT_HALF_SECONDS, aroundAt, atTime, atWidth, sinceSeconds } from '../../commands/grammar.js';
import { targetOf } from '../rca/diagnose.js';
import { renderFlamePng } from '../render/index.js';
import type { Capture } from '../sources/pprof.js';
import type { Io } from './io.js';
import { usageOf } from './usage.js';

/** The sample type each capture is drawn with. */
const drawn: Partial<Record<Capture['name'], string>> = {
  cpu: 'cpu',
  'heap-end': 'inuse_space',
  allocs: 'alloc_space',
  block: 'delay',
  mutex: 'delay',
  'goroutine-end': 'goroutine',
};

function resolveTarget(service: string | undefined, url: string | undefined, configPath: string): { target: Target; seconds?: number } {
  if (url !== undefined) {
    if (!/^https?:\/\/[^/\s]+/.test(url) || !URL.canParse(url)) throw new UserError(`--url must be an http or https URL, not "${url}"`);
    return { target: { service: service ?? new URL(url).host, pprof: url, probes: [] } };
  }
  if (service === undefined) throw new UserError(`usage: ${usageOf('diagnose')}`);
  const reg = loadRegistry(configPath);
  if (!reg.ok) throw new UserError(reg.error);
  const cfg = reg.value.services[service];
  if (!cfg) {
    const close = closeNames(reg.value, service);
    const known = Object.keys(reg.value.services);
    throw new UserError(`unknown service "${service}"; ${close.length ? `did you mean ${close.join(', ')}?` : `known services: ${known.join(', ') || 'none'} (in ${configPath})`}`);
  }
  return { target: targetOf(service, cfg), seconds: cfg.seconds };
}

/** Writes flame graphs, raw profiles, the summary and the report; records them as artifacts. */
export async function writeOutputs(d: Diagnosis, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  for (const c of d.captures) {
    if (!c.profile || !c.bytes) continue;
    const raw = join(dir, `${c.name}.pb.gz`);
    writeFileSync(raw, c.bytes);
    d.report.artifacts.push({ name: `${c.name} profile`, kind: 'profile', mediaType: 'application/vnd.google.protobuf+gzip', source: c.name, path: raw });
    const type = drawn[c.name];
    const index = type && resolveSampleIndex(c.profile, type);
    if (!index || !index.ok || c.profile.samples.count === 0) continue;
    const tree = callTree(c.profile, index.value, { withoutProfiler: true });
    const png = join(dir, `${c.name}.png`);
    writeFileSync(png, await renderFlamePng(tree, { title: { kind: kindLabel[profileKind(c.profile)], sampleType: type, unit: tree.unit, total: tree.root.total, durationNanos: c.profile.durationNanos } }));
    d.report.artifacts.push({ name: `${c.name} flame graph`, kind: 'flame-png', mediaType: 'image/png', source: c.name, path: png });
  }
  d.report.timings.render = Math.round(performance.now() - t0);
  const md = join(dir, 'summary.md');
  d.report.artifacts.push({ name: 'summary', kind: 'summary', mediaType: 'text/markdown', path: md });
  writeFileSync(md, `${toMarkdown(d.report)}\n`);
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(d.report, null, 2)}\n`);
}

export async function runDiagnose(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'boolean', default: false }, out: { type: 'string' }, at: { type: 'string' }, since: { type: 'string' }, window: { type: 'string' } },
  });
  if (positionals.length > 1) throw new UserError(`usage: ${usageOf('diagnose')}`);
  const { target, seconds: configured } = resolveTarget(positionals[0], values.url, env.RCA_CONFIG ?? 'rca.config.yaml');
  if (values.at !== undefined || values.since !== undefined) return runPast(target, values, io);
  if (values.window !== undefined) throw new UserError('--window is the width of an --at window: give --at too');
  const seconds = values.seconds === undefined ? (configured ?? 10) : Number(values.seconds.replace(/s$/, ''));
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 300) throw new UserError(`--seconds must be a whole number from 1 to 300, not "${values.seconds}"`);
  if (!values.json) io.err(`capturing ${target.service} (${target.pprof}) for ${seconds} s…`);
  const d = await diagnose(target, { seconds });
  if (values.out) await writeOutputs(d, resolve(values.out));
  io.out(values.json ? JSON.stringify(d.report, null, 2) : toMarkdown(d.report));
  return d.captures.some((c) => c.profile) ? 0 : 3;
}

/** `--at` or `--since`: the profiler's window, not a live capture. */
async function runPast(target: Target, values: { at?: string; since?: string; window?: string; seconds?: string; json?: boolean; out?: string }, io: Io): Promise<number> {
  if (values.at !== undefined && values.since !== undefined) throw new UserError('give one of --at and --since');
  if (values.window !== undefined && values.at === undefined) throw new UserError('--window is the width of an --at window; --since is its own');
  if (values.seconds !== undefined) throw new UserError('--seconds is the length of a live capture; --at and --since read a past window');
  const profiles = target.profiles;
  if (!profiles) throw new UserError(`${target.service} has no continuous profiler in the registry (profiles:); --at and --since read its past from one`);
  const now = new Date();
  let window: { start: number; end: number };
  if (values.since !== undefined) {
    const d = sinceSeconds(values.since);
    if (!d.ok) throw new UserError(d.error);
    window = { start: now.getTime() - d.value * 1000, end: now.getTime() };
  } else {
    const t = atTime(values.at as string, now);
    if (!t.ok) throw new UserError(t.error);
    const width = values.window === undefined ? { ok: true as const, value: 2 * AT_HALF_SECONDS } : atWidth(values.window);
    if (!width.ok) throw new UserError(`--window: ${width.error}`);
    window = aroundAt(t.value, width.value, now);
  }
  if (!values.json) io.err(`reading ${target.service} from ${profiles.url}, ${new Date(window.start).toISOString()} to ${new Date(window.end).toISOString()}…`);
  const d = await diagnosePast({ ...target, profiles }, window);
  if (values.out) await writeOutputs(d, resolve(values.out));
  io.out(values.json ? JSON.stringify(d.report, null, 2) : toMarkdown(d.report));
  return d.captures.some((c) => c.profile) ? 0 : 3;
}

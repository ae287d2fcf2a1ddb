// The compare job: a capture of this diagnosis against the last healthy one
// of the service, as a comparison and a differential flame graph. Errors come
// back as values, to be said in the thread.
import { cpuSampleType } from '../src/analysis/stacks.js';
import { kindLabel, profileKind } from '../src/profile/kind.js';
import { diffTree } from '../src/profile/diff.js';
import { parseProfile } from '../src/profile/pprof.js';
import type { Profile } from '../src/profile/model.js';
import { compareProfiles } from '../src/rca/compare.js';
import type { CompareData } from '../src/queue/pipeline.js';
import type { Comparison } from '../src/model.js';
import { renderDiffFlamePng } from '../src/render/index.js';

export type CompareResult = { comparison: Comparison; png?: string } | { error: string };

const sampleTypes: Record<string, string> = { block: 'delay', mutex: 'delay', 'heap-end': 'inuse_space', 'heap-start': 'inuse_space', allocs: 'alloc_space', 'goroutine-end': 'goroutine', 'goroutine-start': 'goroutine' };

/** Decode both, diff and draw: CPU work, run in the analysis threads (offload.ts). */
export async function compareCaptures(data: CompareData): Promise<CompareResult> {
  const { service, name, base, current } = data;
  const decode = (side: string, b64: string): Profile | string => {
    const p = parseProfile(Buffer.from(b64, 'base64'));
    return p.ok ? p.value : `the ${side} ${name} profile cannot be read: ${p.error}`;
  };
  const b = decode('healthy', base.data);
  const c = decode('current', current.data);
  if (typeof b === 'string') return { error: b };
  if (typeof c === 'string') return { error: c };
  const type = name === 'cpu' ? (cpuSampleType(c) ?? 'cpu') : (sampleTypes[name] ?? c.sampleTypes.at(-1)?.type ?? '');
  const compared = compareProfiles(service, name, type, { ...base, profile: b }, { ...current, profile: c });
  if (!compared.ok) return { error: compared.error };
  const index = c.sampleTypes.findIndex((t) => t.type === type);
  const tree = diffTree(b, c, index);
  if (!tree.ok) return { comparison: compared.value };
  const title = { kind: kindLabel[profileKind(c)], sampleType: type, unit: tree.value.unit, total: tree.value.root.total, baseTotal: tree.value.root.baseTotal, durationNanos: c.durationNanos };
  return { comparison: compared.value, png: (await renderDiffFlamePng(tree.value, { title })).toString('base64') };
}

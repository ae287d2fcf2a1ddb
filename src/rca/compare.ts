// A capture against the last healthy one of the same service: how the
// totals moved, and which functions' share of the work moved most.
import { err, ok, type Result } from '../errors.js';
import { diffTop } from '../profile/diff.js';
import type { Profile } from '../profile/model.js';
import { profileTotal, resolveSampleIndex } from '../profile/top.js';
import type { Comparison } from '../model.js';

export interface Side {
  job: string;
  at: string;
  profile: Profile;
}

export function compareProfiles(service: string, name: string, sampleType: string, base: Side, current: Side, most = 5): Result<Comparison> {
  const bi = resolveSampleIndex(base.profile, sampleType);
  const ci = resolveSampleIndex(current.profile, sampleType);
  if (!bi.ok || !ci.ok) return err(`the ${name} profiles have no ${sampleType} samples to compare`);
  const table = diffTop(base.profile, current.profile, { sampleIndex: ci.value });
  if (!table.ok) return err(`the ${name} profiles cannot be compared: ${table.error}`);
  const changes = table.value.rows
    .filter((r) => r.flat !== 0)
    .sort((a, b) => Math.abs(b.flat) - Math.abs(a.flat) || a.name.localeCompare(b.name))
    .slice(0, most)
    .map((r) => ({ function: r.name, change: r.flat }));
  return ok({
    service,
    profile: name,
    sampleType,
    unit: table.value.unit,
    base: { job: base.job, at: base.at, total: profileTotal(base.profile, bi.value) },
    current: { job: current.job, at: current.at, total: profileTotal(current.profile, ci.value) },
    changes,
  });
}

// A period's incidents summed up for the MTTR digest: counts, MTTR median and
// p90 against the previous period, per ISO week, per service and per root
// cause, and the slowest incidents. Plain data; charts.ts draws it and
// templates/digest.ts writes it.
import type { Incident } from './model.js';
import { causeOf, detectedAt, timeToResolve } from './metrics.js';

/** A root-cause kind, or 'undiagnosed' when no diagnosis named a cause. */
export type CauseLabel = string;

export interface DigestWeek {
  /** ISO 8601 week, UTC: "2025-W03". */
  week: string;
  /** Its Monday, "2025-01-13". */
  monday: string;
  /** Days of the week inside the period: 7, or fewer for a first or last week cut by it. */
  days: number;
  count: number;
  resolved: number;
  /** Seconds; absent when no incident detected that week is resolved. */
  mttrMedian?: number;
  mttrP90?: number;
}

export interface SlowIncident {
  id: string;
  service: string;
  title: string;
  detectedAt: string;
  /** Seconds. */
  mttr: number;
}

export interface Change {
  /** Seconds. */
  current?: number;
  previous?: number;
  /** (current − previous) / previous; absent when either is missing or previous is 0. */
  change?: number;
}

export interface Digest {
  /** ISO times; the end is exclusive. */
  period: { start: string; end: string };
  /** Incidents detected in the period, resolved or not. */
  count: number;
  resolved: number;
  /** Counted, but without an MTTR. */
  unresolved: number;
  previousCount: number;
  mttr: { median: Change; p90: Change };
  /** Every ISO week the period touches, oldest first, empty ones included. */
  weeks: DigestWeek[];
  /** Most incidents first, then by name. */
  services: { service: string; count: number }[];
  /** One row per week and cause that had incidents, in week order. */
  causes: { week: string; cause: CauseLabel; count: number }[];
  /** Totals per cause, most first. */
  causeTotals: { cause: CauseLabel; count: number }[];
  /** The five resolved incidents with the longest MTTR, longest first. */
  slowest: SlowIncident[];
}

export const UNDIAGNOSED = 'undiagnosed';
const DAY = 86_400_000;

/**
 * The q-quantile (0..1) by linear interpolation between closest ranks
 * (numpy's default, R type 7); the median is the usual one. undefined for no values.
 */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const xs = [...values].sort((a, b) => a - b);
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
}

/** The ISO week (UTC) of a time: its label and its Monday at 00:00 UTC. */
export function isoWeek(t: number): { week: string; monday: number } {
  const d = new Date(t);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  // The week belongs to the year of its Thursday; week 1 holds the year's first Thursday.
  const thursday = monday + 3 * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const n = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return { week: `${year}-W${String(n).padStart(2, '0')}`, monday };
}

function change(current: number | undefined, previous: number | undefined): Change {
  const c: Change = {};
  if (current !== undefined) c.current = current;
  if (previous !== undefined) c.previous = previous;
  if (current !== undefined && previous !== undefined && previous > 0) c.change = (current - previous) / previous;
  return c;
}

const mttrs = (incidents: readonly Incident[]) => incidents.map(timeToResolve).filter((s): s is number => s !== undefined);

const byCountThenName = <T extends { count: number }>(name: (x: T) => string) => (a: T, b: T) => b.count - a.count || name(a).localeCompare(name(b));

/**
 * The digest of the incidents detected in [period.start, period.end); others,
 * and incidents without a `detected` event, are left out. `previous` is the
 * previous period's incidents as the caller chose them, for the changes.
 */
export function digest(incidents: readonly Incident[], period: { start: Date; end: Date }, previous: readonly Incident[]): Digest {
  const start = period.start.getTime();
  const end = period.end.getTime();
  const inPeriod: { incident: Incident; at: number }[] = [];
  for (const incident of incidents) {
    const at = Date.parse(detectedAt(incident) ?? '');
    if (at >= start && at < end) inPeriod.push({ incident, at });
  }
  const all = inPeriod.map((x) => x.incident);
  const times = mttrs(all);
  const before = mttrs(previous);

  // Every week the period touches, so gaps show as gaps.
  const weeks = new Map<string, { monday: number; incidents: Incident[] }>();
  if (end > start) {
    for (let m = isoWeek(start).monday; m < end; m += 7 * DAY) weeks.set(isoWeek(m).week, { monday: m, incidents: [] });
  }
  const causes = new Map<string, number>(); // "week\0cause" → count
  const causeTotals = new Map<string, number>();
  const services = new Map<string, number>();
  for (const { incident, at } of inPeriod) {
    const week = isoWeek(at).week;
    weeks.get(week)!.incidents.push(incident);
    const cause = causeOf(incident) ?? UNDIAGNOSED;
    causes.set(`${week}\0${cause}`, (causes.get(`${week}\0${cause}`) ?? 0) + 1);
    causeTotals.set(cause, (causeTotals.get(cause) ?? 0) + 1);
    services.set(incident.service, (services.get(incident.service) ?? 0) + 1);
  }

  const weekRows: DigestWeek[] = [...weeks].map(([week, { monday, incidents: its }]) => {
    const t = mttrs(its);
    const days = Math.round((Math.min(end, monday + 7 * DAY) - Math.max(start, monday)) / DAY);
    const row: DigestWeek = { week, monday: new Date(monday).toISOString().slice(0, 10), days, count: its.length, resolved: t.length };
    if (t.length > 0) {
      row.mttrMedian = quantile(t, 0.5);
      row.mttrP90 = quantile(t, 0.9);
    }
    return row;
  });
  const weekOrder = new Map(weekRows.map((w, i) => [w.week, i]));

  const slowest: SlowIncident[] = inPeriod
    .map(({ incident: i }) => ({ id: i.id, service: i.service, title: i.title, detectedAt: detectedAt(i)!, mttr: timeToResolve(i) }))
    .filter((s): s is SlowIncident => s.mttr !== undefined)
    .sort((a, b) => b.mttr - a.mttr || a.id.localeCompare(b.id))
    .slice(0, 5);

  return {
    period: { start: period.start.toISOString(), end: period.end.toISOString() },
    count: all.length,
    resolved: times.length,
    unresolved: all.length - times.length,
    previousCount: previous.length,
    mttr: { median: change(quantile(times, 0.5), quantile(before, 0.5)), p90: change(quantile(times, 0.9), quantile(before, 0.9)) },
    weeks: weekRows,
    services: [...services].map(([service, count]) => ({ service, count })).sort(byCountThenName((s) => s.service)),
    causes: [...causes]
      .map(([key, count]) => {
        const [week, cause] = key.split('\0');
        return { week, cause, count };
      })
      .sort((a, b) => weekOrder.get(a.week)! - weekOrder.get(b.week)! || a.cause.localeCompare(b.cause)),
    causeTotals: [...causeTotals].map(([cause, count]) => ({ cause, count })).sort(byCountThenName((c) => c.cause)),
    slowest,
  };
}

/** A duration for people: "45 s", "12 min", "3.4 h", "2.1 d". */
export function formatDuration(seconds: number): string {
  const one = (x: number) => (x < 10 ? x.toFixed(1).replace(/\.0$/, '') : Math.round(x).toString());
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${one(seconds / 3600)} h`;
  return `${one(seconds / 86400)} d`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "13 Jan", or "13 Jan 2025" (UTC). */
export function shortDate(iso: string, year = false): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${year ? ` ${d.getUTCFullYear()}` : ''}`;
}

/** The period as people say it: "6 Jan – 5 Apr 2025". The end is exclusive, so the last day is the one before it. */
export function periodText(d: Pick<Digest, 'period'>): string {
  const last = new Date(Date.parse(d.period.end) - 1).toISOString();
  return `${shortDate(d.period.start, d.period.start.slice(0, 4) !== last.slice(0, 4))} – ${shortDate(last, true)}`;
}

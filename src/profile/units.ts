// Units as pprof's internal/measurement handles them: scaling a value to a
// readable unit and printing it the way `go tool pprof` prints it.

interface Unit {
  name: string;
  aliases: string[];
  factor: number;
}
interface UnitType {
  units: Unit[];
  fallback: Unit;
}

const memory: UnitType = {
  units: [
    { name: 'B', aliases: ['b', 'byte'], factor: 1 },
    { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
    { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
    { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
    { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
    { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
  ],
  fallback: { name: 'B', aliases: [], factor: 1 },
};
const time: UnitType = {
  units: [
    { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
    { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
    { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
    { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
    { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
  ],
  fallback: { name: 's', aliases: [], factor: 1e9 },
};
const gcu: UnitType = {
  units: [
    ['n*GCU', 'nanogcu', 1e-9],
    ['u*GCU', 'microgcu', 1e-6],
    ['m*GCU', 'milligcu', 1e-3],
    ['GCU', 'gcu', 1],
    ['k*GCU', 'kilogcu', 1e3],
    ['M*GCU', 'megagcu', 1e6],
    ['G*GCU', 'gigagcu', 1e9],
    ['T*GCU', 'teragcu', 1e12],
    ['P*GCU', 'petagcu', 1e15],
  ].map(([name, alias, factor]) => ({ name: name as string, aliases: [alias as string], factor: factor as number })),
  fallback: { name: 'GCU', aliases: [], factor: 1 },
};
const unitTypes = [memory, time, gcu];

function sniff(type: UnitType, unit: string): Unit | undefined {
  let u = unit.toLowerCase();
  if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1);
  return type.units.find((x) => x.aliases.includes(u));
}

/** The kind of a sample unit: 'bytes', 'time' or undefined for plain counts. */
export function unitKind(unit: string): 'bytes' | 'time' | undefined {
  if (sniff(memory, unit)) return 'bytes';
  if (sniff(time, unit)) return 'time';
  return undefined;
}

/** pprof's measurement.Scale: value in `from` units expressed in `to` ("minimum"/"auto" pick one). */
export function scale(value: number, from: string, to: string): [number, string] {
  if (value < 0) {
    const [v, u] = scale(-value, from, to);
    return [-v, u];
  }
  for (const type of unitTypes) {
    const fromUnit = sniff(type, from);
    if (!fromUnit) continue;
    const v = value * fromUnit.factor;
    if (to === 'minimum' || to === 'auto') {
      let f = 0;
      let name = '';
      for (const u of type.units) {
        if (u.factor >= f && v / u.factor >= 1) {
          f = u.factor;
          name = u.name;
        }
      }
      if (f !== 0) return [v / f, name];
      return [v / type.fallback.factor, type.fallback.name];
    }
    const toUnit = sniff(type, to) ?? type.fallback;
    return [v / toUnit.factor, toUnit.name];
  }
  if (['count', 'sample', 'unit', 'minimum', 'auto'].includes(to)) return [value, ''];
  return [value, to];
}

/** pprof's measurement.ScaledLabel: "1.76s", "10.50MB", "128". */
export function scaledLabel(value: number, from: string, to: string): string {
  const [v, u] = scale(value, from, to);
  let s = v.toFixed(2);
  if (s.endsWith('.00')) s = s.slice(0, -3);
  if (s === '0' || s === '-0') return '0';
  return s + u;
}

/** A value in its own unit, printed readably: "1.76s", "10.50MB". */
export function formatValue(value: number, unit: string): string {
  return scaledLabel(value, unit, 'auto');
}

/** The unit pprof's text reports use for a table whose smallest entry is min and total is max. */
export function outputUnit(minValue: number, maxValue: number, sampleUnit: string): string {
  if (minValue === 0) minValue = maxValue;
  const [, minUnit] = scale(minValue, sampleUnit, 'minimum');
  const [, maxUnit] = scale(maxValue, sampleUnit, 'minimum');
  let unit = minUnit;
  if (minUnit !== maxUnit && minValue * 100 < maxValue) [, unit] = scale(100 * minValue, sampleUnit, 'minimum');
  return unit !== '' ? unit : sampleUnit;
}

/** Factor from the named display unit ("kB", "ms", "") to the base unit of its kind. */
export function displayFactor(unit: string): number | undefined {
  if (unit === '') return 1;
  for (const type of unitTypes) for (const u of type.units) if (u.name === unit) return u.factor;
  return undefined;
}

/** Factor from a sample unit ("nanoseconds", "bytes") to the base unit of its kind. */
export function sampleUnitFactor(unit: string): number {
  for (const type of unitTypes) {
    const u = sniff(type, unit);
    if (u) return u.factor;
  }
  return 1;
}

/** pprof's measurement.Percentage. */
export function percentage(value: number, total: number): string {
  const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0;
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%';
  if (ratio >= 1) return `${ratio.toFixed(2).padStart(5)}%`;
  return `${goG2(ratio).padStart(5)}%`;
}

function goG2(x: number): string {
  if (x === 0) return '0';
  const s = x.toPrecision(2);
  // Go's %g drops trailing zeros and uses an exponent below 1e-4.
  if (x < 1e-4) return x.toExponential(1).replace(/\.0e/, 'e').replace(/e-(\d)$/, 'e-0$1');
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A length of time in seconds as a person says it: "90 s", "15 min", "2 h". */
export function formatSpan(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

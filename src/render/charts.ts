// The MTTR digest as one PNG, drawn with Vega-Lite: MTTR per week (median and
// p90), incidents per service, and root causes per week, stacked vertically.
import { createCanvas, type Canvas, type SKRSContext2D } from 'canvas';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { formatDuration, periodText, shortDate, UNDIAGNOSED, type Digest } from '../incidents/digest.js';
import type { FindingKind } from '../model.js';
import { FONT_FAMILY } from './canvasFlame.js';

export interface DigestPngOptions {
  /** Heading above the charts; by default the period. */
  title?: string;
  /** Width of the whole image in CSS pixels, before `scale`. Default 900. */
  width?: number;
  /** Pixel ratio. Default 2. */
  scale?: number;
}

/** Services drawn one bar each; the rest share an "others" bar. */
export const TOP_SERVICES = 12;

/** One colour per cause, the same in every digest. */
export const CAUSE_COLORS: Record<FindingKind | typeof UNDIAGNOSED, string> = {
  'cpu-hotspot': '#e15759',
  'lock-contention': '#f28e2b',
  'pool-exhaustion': '#edc948',
  'goroutine-leak': '#b07aa1',
  'memory-growth': '#76b7b2',
  'gc-pressure': '#59a14f',
  'error-burst': '#ff9da7',
  'slow-dependency': '#4e79a7',
  'retry-storm': '#9c755f',
  'latency-regression': '#a0cbe8',
  saturation: '#8cd17d',
  'scheduler-latency': '#d4a6c8',
  'gc-pause': '#86bcb6',
  'syscall-blocking': '#f1ce63',
  'stage-stall': '#499894',
  undiagnosed: '#bab0ac',
};
const OTHER_CAUSE = '#79706e';
const MEDIAN_COLOR = '#4e79a7';
const P90_COLOR = '#e15759';
const OTHERS_BAR = '#b4b4b4';
const BAR = '#4e79a7';

// Longest service name and legend label drawn, in CSS pixels; longer ones end in "…".
const SERVICE_LABEL_LIMIT = 170;
const LEGEND_LABEL_LIMIT = 130;
const PADDING = 16;

let measurer: SKRSContext2D | undefined;
/** Width of a text as Vega will draw it (it measures with the same canvas). */
function textWidth(text: string, px: number, bold = false): number {
  measurer ??= createCanvas(1, 1).getContext('2d');
  measurer.font = `${bold ? 'bold ' : ''}${px}px ${FONT_FAMILY}`;
  return measurer.measureText(text).width;
}

/** Hours when the largest p90 is 3 h or more, else minutes. */
function mttrUnit(d: Digest): { name: 'hours' | 'minutes'; seconds: number } {
  const max = Math.max(0, ...d.weeks.map((w) => w.mttrP90 ?? 0));
  return max >= 3 * 3600 ? { name: 'hours', seconds: 3600 } : { name: 'minutes', seconds: 60 };
}

/** The Vega-Lite spec of the digest; exported for tests and for the HTML view one day. */
export function digestSpec(d: Digest, opts: DigestPngOptions = {}): TopLevelSpec {
  // One more service is drawn rather than an "others" bar of one.
  const shown = d.services.length <= TOP_SERVICES + 1 ? d.services.length : TOP_SERVICES;
  const top = d.services.slice(0, shown);
  const rest = d.services.slice(shown);
  const othersName = `others (${rest.length} services)`;
  const serviceRows = [
    ...top.map((s) => ({ service: s.service, count: s.count, others: false })),
    ...(rest.length > 0 ? [{ service: othersName, count: rest.reduce((n, s) => n + s.count, 0), others: true }] : []),
  ];
  const causeOrder = d.causeTotals.map((c) => c.cause);

  // Vega-Lite cannot fit concatenated views to a width, so the plots get what
  // the y axes (left) and the legends (right) leave of it; the plots line up.
  const left = Math.max(60, 14 + Math.min(SERVICE_LABEL_LIMIT, Math.max(0, ...serviceRows.map((s) => textWidth(s.service, 12)))));
  const legend = (title: string, labels: string[]) => 36 + Math.max(textWidth(title, 12, true), ...labels.map((l) => Math.min(LEGEND_LABEL_LIMIT, textWidth(l, 12))));
  const hasMttr = d.weeks.some((w) => w.mttrMedian !== undefined);
  const right = Math.max(40, hasMttr ? legend('MTTR', ['90th percentile']) : 0, causeOrder.length > 0 ? legend('Root cause', causeOrder) : 0);
  const total = opts.width ?? 900;
  const width = Math.max(240, Math.round(total - 2 * PADDING - left - right));
  // Week labels are the Mondays; the year joins them only if a label could repeat.
  const withYear = d.weeks.length > 52;
  // A week the period cuts is marked "*" (its counts are not comparable with whole weeks).
  const label = new Map(d.weeks.map((w) => [w.week, shortDate(w.monday, withYear) + (w.days < 7 ? '*' : '')]));
  const partNote = d.weeks.some((w) => w.days < 7) ? '; * week only partly in the period' : '';
  const weekLabels = d.weeks.map((w) => label.get(w.week)!);
  const step = width / Math.max(1, weekLabels.length);
  const weekAxis = {
    title: 'Week starting (Monday, UTC)',
    labelAngle: step < 48 ? -45 : 0,
    labelAlign: step < 48 ? ('right' as const) : ('center' as const),
    labelOverlap: 'greedy' as const,
    labelPadding: 4,
  };
  const weekX = { field: 'label', type: 'ordinal' as const, sort: weekLabels, scale: { domain: weekLabels }, axis: weekAxis };
  // Bars keep a sensible width with one week as with fifty.
  const barWidth = Math.max(2, Math.min(56, step * 0.7));

  const unit = mttrUnit(d);
  // Weeks without a resolved incident have null values, which break the lines.
  const mttrRows = d.weeks.flatMap((w) =>
    (['median', 'p90'] as const).map((stat) => {
      const s = stat === 'p90' ? w.mttrP90 : w.mttrMedian;
      return { label: label.get(w.week), stat, value: s === undefined ? null : s / unit.seconds };
    }),
  );
  const mttrColor = {
    field: 'stat',
    type: 'nominal' as const,
    scale: { domain: ['median', 'p90'], range: [MEDIAN_COLOR, P90_COLOR] },
    legend: { title: 'MTTR', orient: 'right' as const, symbolType: 'stroke', symbolStrokeWidth: 2.5, labelExpr: "datum.value === 'p90' ? '90th percentile' : 'median'" },
  };
  // Smaller points when there are many weeks, so the lines stay readable.
  const many = d.weeks.length > 26;
  const mttrChart = !hasMttr
    ? {
        ...(d.count === 0 ? {} : { title: { text: 'MTTR per week', anchor: 'start' as const, frame: 'group' as const } }),
        // Alone (no incidents), it takes the whole width, having no axes beside it.
        width: d.count === 0 ? total - 2 * PADDING : width,
        height: 60,
        data: { values: [{ text: d.count === 0 ? 'No incidents in this period.' : 'No resolved incidents in this period, so no MTTR.' }] },
        mark: { type: 'text' as const, fontSize: 14, color: '#555' },
        encoding: { text: { field: 'text', type: 'nominal' as const } },
      }
    : {
        title: { text: 'MTTR per week', subtitle: `of the incidents detected that week and resolved since${partNote}`, anchor: 'start' as const, frame: 'group' as const },
        width,
        height: 220,
        data: { values: mttrRows },
        encoding: {
          x: weekX,
          y: { field: 'value', type: 'quantitative' as const, title: `MTTR (${unit.name})`, axis: { format: ',.1~f', tickCount: 6 }, scale: { zero: true, nice: true } },
          color: mttrColor,
        },
        layer: [
          { mark: { type: 'line' as const, strokeWidth: 2 } },
          // p90 as rings and the median as dots, so both show when they are equal (one incident).
          { transform: [{ filter: "datum.stat === 'p90'" }], mark: { type: 'point' as const, filled: false, size: many ? 36 : 90, strokeWidth: many ? 1.5 : 2, opacity: 1 } },
          { transform: [{ filter: "datum.stat === 'median'" }], mark: { type: 'point' as const, filled: true, size: many ? 16 : 40, opacity: 1 } },
        ],
      };

  const serviceOrder = serviceRows.map((s) => s.service);
  const serviceY = { field: 'service', type: 'nominal' as const, sort: serviceOrder, title: null, axis: { labelLimit: SERVICE_LABEL_LIMIT, labelFontSize: 12 } };
  const servicesChart = {
    title: {
      text: 'Incidents per service',
      subtitle: rest.length > 0 ? `the ${TOP_SERVICES} services with most incidents, then the other ${rest.length} together` : serviceRows.length === 1 ? '1 service' : `all ${serviceRows.length} services`,
      anchor: 'start' as const,
      frame: 'group' as const,
    },
    width,
    height: { step: 22 },
    data: { values: serviceRows },
    layer: [
      {
        mark: { type: 'bar' as const, height: { band: 0.75 } },
        encoding: {
          y: serviceY,
          x: { field: 'count', type: 'quantitative' as const, title: 'Incidents', axis: { format: 'd', tickMinStep: 1 } },
          color: { condition: { test: 'datum.others', value: OTHERS_BAR }, value: BAR },
        },
      },
      {
        mark: { type: 'text' as const, align: 'left' as const, dx: 4, fontSize: 12, color: '#333' },
        encoding: { y: serviceY, x: { field: 'count', type: 'quantitative' as const }, text: { field: 'count', type: 'quantitative' as const } },
      },
    ],
  };

  const rank = new Map(causeOrder.map((c, i) => [c, i]));
  const causeRows = d.causes.map((c) => ({ label: label.get(c.week), cause: c.cause, count: c.count, rank: rank.get(c.cause) }));
  const causesChart = {
    title: { text: 'Root causes per week', subtitle: `the cause the diagnosis named; "${UNDIAGNOSED}" when none${partNote}`, anchor: 'start' as const, frame: 'group' as const },
    width,
    height: 220,
    data: { values: causeRows },
    mark: { type: 'bar' as const, width: barWidth },
    encoding: {
      x: weekX,
      y: { field: 'count', type: 'quantitative' as const, aggregate: 'sum' as const, title: 'Incidents', axis: { format: 'd', tickMinStep: 1 } },
      color: {
        field: 'cause',
        type: 'nominal' as const,
        scale: { domain: causeOrder, range: causeOrder.map((c) => (CAUSE_COLORS as Record<string, string>)[c] ?? OTHER_CAUSE) },
        legend: { title: 'Root cause', orient: 'right' as const, labelLimit: LEGEND_LABEL_LIMIT },
      },
      // The commonest cause at the bottom of every bar.
      order: { field: 'rank', type: 'quantitative' as const, sort: 'ascending' as const },
    },
  };

  const resolvedText = d.unresolved === 0 ? 'all resolved' : d.resolved === 0 ? 'none resolved' : `${d.resolved} resolved, ${d.unresolved} unresolved (no MTTR yet)`;
  const mttrText = d.mttr.median.current === undefined ? 'no MTTR' : `MTTR median ${formatDuration(d.mttr.median.current)}, p90 ${formatDuration(d.mttr.p90.current!)}`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: opts.title ?? `Incidents ${periodText(d)}`,
      subtitle: d.count === 0 ? 'No incidents' : `${d.count} ${d.count === 1 ? 'incident' : 'incidents'}, ${resolvedText} · ${mttrText}`,
      anchor: 'start',
      fontSize: 18,
      subtitleFontSize: 13,
      offset: 12,
    },
    background: 'white',
    padding: PADDING,
    spacing: 36,
    resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' } },
    // Without incidents there are no services or causes to draw: the MTTR part says so.
    vconcat: d.count === 0 ? [mttrChart] : [mttrChart, servicesChart, causesChart],
    config: {
      font: FONT_FAMILY,
      title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#555', offset: 8 },
      axis: { labelFontSize: 11, titleFontSize: 12, titleColor: '#333', labelColor: '#333', gridColor: '#e6e6e6' },
      legend: { labelFontSize: 12, titleFontSize: 12 },
      view: { stroke: null },
    },
  } as TopLevelSpec;
}

/** The digest charts as a PNG. */
export async function renderDigestPng(d: Digest, opts: DigestPngOptions = {}): Promise<Buffer> {
  const view = new View(parse(compile(digestSpec(d, opts)).spec), { renderer: 'none' });
  try {
    // vega-canvas creates it with the "canvas" package, which is @napi-rs/canvas here.
    const canvas = (await view.toCanvas(opts.scale ?? 2)) as unknown as Canvas;
    // encode, not toBuffer: the PNG compression (most of the time) runs off the event loop.
    return await canvas.encode('png');
  } finally {
    view.finalize();
  }
}

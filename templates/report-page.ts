// A saved Report as a web page, the permalink the chats link to: the verdict,
// every finding with its evidence, what failed, the timings, and the
// interactive flame graphs. Everything in a report may come from the service
// or its logs, so every piece of text is escaped.
//
// Each flame graph is a whole document with its own inline script; it is
// embedded as <iframe sandbox="allow-scripts" srcdoc>, so its script runs
// unchanged but in an opaque origin, without access to this page. A srcdoc
// document inherits this page's Content-Security-Policy, so the policy allows
// exactly the inline scripts and style sheets the page and its flame graphs
// hold, by hash, and nothing that loads from anywhere.
import { createHash } from 'node:crypto';
import type { Finding, Report } from '../src/model.js';
import type { FlamePage } from '../src/reports/flames.js';
import { aboutLine, executionTraceLine, pastLines, traceHeading, traceLine, verdictEmoji, verdictSentence } from './summary.js';

export interface ReportPageInput {
  report: Report;
  flames: FlamePage[];
  /** When the link stops working, ISO 8601. */
  expiresAt?: string;
  /** Where a trace id opens its trace: a URL with {trace_id} in it (RCA_TRACE_URL). */
  traceUrl?: string;
}

export interface ReportPage {
  html: string;
  /** The Content-Security-Policy header the page must be served with. */
  csp: string;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const CSS = `
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif; color: #1b1b1b; background: #f6f6f4; }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 18px; padding-bottom: 6px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 26px 0 8px; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 14px; vertical-align: 3px; color: #fff; background: #777; }
.v-confirmed .badge { background: #c0392b; }
.v-likely .badge { background: #d35400; }
.v-needs-review .badge { background: #b7950b; }
.v-healthy .badge { background: #1e8449; }
#sentence { font-size: 16px; font-weight: 600; margin: 4px 0; overflow-wrap: anywhere; }
.meta { color: #555; margin: 4px 0; overflow-wrap: anywhere; }
ol.findings { padding-left: 0; list-style: none; margin: 0; }
.finding { background: #fff; border: 1px solid #ddd; border-left: 4px solid #c0392b; border-radius: 4px; padding: 10px 14px; margin: 0 0 10px; }
.finding.weak { border-left-color: #bbb; }
.finding .head { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; color: #555; font-size: 13px; }
.finding .kind { font-weight: 700; color: #1b1b1b; }
.finding .title { margin: 4px 0; font-size: 15px; overflow-wrap: anywhere; }
.finding .location { margin: 4px 0; color: #333; }
.evidence { margin: 6px 0 0; padding-left: 18px; }
.evidence li { margin: 2px 0; overflow-wrap: anywhere; }
.evidence .source, .errors .source { font-weight: 600; }
.errors { background: #fff; border: 1px solid #e3c4c0; border-radius: 4px; padding: 8px 14px 8px 32px; margin: 0; }
.errors li { overflow-wrap: anywhere; }
pre.trace-logs { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: #fff; border: 1px solid #d8d8d8; border-radius: 4px; padding: 8px 12px; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 12px; }
#trace-logs h3 { font-size: 14px; margin: 14px 0 6px; overflow-wrap: anywhere; }
.not-captured { color: #555; margin: 0; padding-left: 32px; }
.none { color: #555; }
figure.flame { margin: 0 0 18px; background: #fff; border: 1px solid #ddd; border-radius: 4px; overflow: hidden; }
figure.flame figcaption { padding: 6px 10px; font-weight: 600; border-bottom: 1px solid #ddd; }
figure.flame iframe { display: block; width: 100%; height: 78vh; min-height: 240px; max-height: 78vh; border: 0; }
table.timings { border-collapse: collapse; background: #fff; border: 1px solid #ddd; }
table.timings td { padding: 3px 14px; border-top: 1px solid #eee; }
table.timings td.ms { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #777; font-size: 12px; padding-top: 16px; padding-bottom: 24px; }
`;

function confidenceText(c: number): string {
  return Number.isFinite(c) ? c.toFixed(2) : String(c);
}

function findingHtml(f: Finding): string {
  const head = [`<span class="kind">${esc(f.kind)}</span>`, `<span class="confidence">confidence ${esc(confidenceText(f.confidence))}</span>`];
  if (f.service) head.push(`<span class="service">in ${esc(f.service)}</span>`);
  const parts = [`<div class="head">${head.join('')}</div>`, `<p class="title">${esc(f.title)}</p>`];
  if (f.location) parts.push(`<p class="location">at <code>${esc(f.location.function)}</code> <code>${esc(`${f.location.file}:${f.location.line}`)}</code></p>`);
  if (f.evidence.length > 0)
    parts.push(`<ul class="evidence">${f.evidence.map((e) => `<li><span class="source">${esc(e.source)}</span>: ${esc(e.summary)}</li>`).join('')}</ul>`);
  return `<li class="finding${f.confidence < 0.5 ? ' weak' : ''}">${parts.join('')}</li>`;
}

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** The flame graph's header and margins, and one row of frames, in CSS pixels (htmlClient.ts). */
const FLAME_CHROME_PX = 140;
const FLAME_ROW_PX = 18;

function flameHtml(f: FlamePage): string {
  // Tall enough for every row when the depth is known (up to 78vh, then it scrolls inside).
  const height = typeof f.depth === 'number' && Number.isFinite(f.depth) ? ` style="height:${Math.round(FLAME_CHROME_PX + (f.depth + 1) * FLAME_ROW_PX)}px"` : '';
  // The whole document as an attribute value: escaping it is all it takes to keep it in.
  return `<figure class="flame"><figcaption>${esc(f.title)}</figcaption><iframe sandbox="allow-scripts" title="${esc(f.title)}" data-name="${esc(f.name)}"${height} srcdoc="${esc(f.html)}"></iframe></figure>`;
}

export function reportPage(input: ReportPageInput): ReportPage {
  const r = input.report;
  const about = [r.pastOnly ? `${esc(aboutLine(r))}.` : `Captured ${r.window.seconds} s from <code>${esc(r.target)}</code> at ${esc(r.window.start)}.`];
  const trace = executionTraceLine(r);
  if (trace) about.push(esc(trace));
  if (input.expiresAt) about.push(`This link works until ${esc(input.expiresAt)}.`);
  if (r.traceId) {
    const id = `<code id="trace-id">${esc(r.traceId)}</code>`;
    const href = input.traceUrl?.replaceAll('{trace_id}', encodeURIComponent(r.traceId));
    about.push(`The diagnosis's own trace: ${href ? `<a href="${esc(href)}" rel="noreferrer">${id}</a>` : id}.`);
  }
  const body = [
    `<header class="v-${esc(r.verdict)}">`,
    `<h1 id="verdict">${verdictEmoji[r.verdict] ?? ''} ${esc(r.service)} <span class="badge">${esc(r.verdict)}</span></h1>`,
    `<p id="sentence">${esc(verdictSentence(r))}</p>`,
    `<p class="meta">${about.join(' ')}</p>`,
    '</header>',
    '<main>',
    '<section id="findings"><h2>Findings</h2>',
    r.findings.length > 0 ? `<ol class="findings">${r.findings.map(findingHtml).join('\n')}</ol>` : '<p class="none">No findings.</p>',
    '</section>',
  ];
  const past = pastLines(r);
  if (past.length > 0) body.push(`<section id="changed"><h2>What changed</h2>${past.map((l) => `<p>${esc(l).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`).join('')}</section>`);
  if (r.errors.length > 0)
    body.push(`<section id="errors"><h2>What failed</h2><ul class="errors">${r.errors.map((e) => `<li><span class="source">${esc(e.source)}</span>: ${esc(e.error)}</li>`).join('')}</ul></section>`);
  const absent = r.notCaptured ?? [];
  if (absent.length > 0)
    body.push(`<section id="not-captured"><h2>Not captured</h2><ul class="not-captured">${absent.map((n) => `<li><span class="source">${esc(n.source)}</span>: ${esc(n.reason)}</li>`).join('')}</ul></section>`);
  const traced = r.traceLogs ?? [];
  if (traced.length > 0)
    body.push(
      `<section id="trace-logs"><h2>Log lines of the traces</h2>${traced.map((t) => `<h3>${esc(traceHeading(t))}</h3><pre class="trace-logs">${t.lines.map((l) => esc(traceLine(l))).join('\n')}${t.more ? esc(`\n… ${t.more} more lines`) : ''}</pre>`).join('')}</section>`,
    );
  if (input.flames.length > 0) body.push(`<section id="flames"><h2>Flame graphs</h2>\n${input.flames.map(flameHtml).join('\n')}\n</section>`);
  const timings = Object.entries(r.timings);
  if (timings.length > 0)
    body.push(`<section id="timings"><h2>Timings</h2><table class="timings">${timings.map(([step, ms]) => `<tr><td>${esc(step)}</td><td class="ms">${esc(duration(ms))}</td></tr>`).join('')}</table></section>`);
  body.push('</main>', '<footer>rca-bot · anyone with this link can see this report</footer>');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${esc(`${r.service}: ${r.verdict} · rca-bot`)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
  return { html, csp: contentSecurityPolicy([CSS], input.flames) };
}

/** 'sha256-…' of an inline script or style sheet, as CSP hashes it (the UTF-8 of its text). */
function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The text of each <tag> element written without attributes (executable scripts, plain style sheets). */
function inline(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}\\s*>`, 'gi'))].map((m) => m[1]);
}

/**
 * Nothing loads from anywhere; only the inline scripts and style sheets of
 * the page and its flame graphs run, by hash (taken from the saved flame
 * documents, so a report saved by an older version keeps working). Style
 * attributes stay allowed: the flame graph positions its frames with them.
 */
function contentSecurityPolicy(pageStyles: string[], flames: FlamePage[]): string {
  const scripts = new Set(flames.flatMap((f) => inline(f.html, 'script')).map(hash));
  const styles = new Set([...pageStyles, ...flames.flatMap((f) => inline(f.html, 'style'))].map(hash));
  return [
    "default-src 'none'",
    `script-src ${scripts.size > 0 ? [...scripts].join(' ') : "'none'"}`,
    // Browsers without style-src-elem/-attr (CSP 3) fall back to this.
    "style-src 'unsafe-inline'",
    `style-src-elem ${[...styles].join(' ')}`,
    "style-src-attr 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

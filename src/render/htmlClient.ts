// The style sheet and browser script of the interactive flame graph
// (flameHtml.ts embeds them). The script reads the JSON written by
// flameHtml.ts and mirrors layout.ts (narrow-frame merging) and colors.ts.

import { displayFactor, sampleUnitFactor, unitKind } from '../profile/units.js';

export interface UnitTable {
  /** Sample unit to the base unit of its kind (ns, bytes). */
  factor: number;
  /** Display units, smallest first: [factor from the base unit, name]. */
  units: [number, string][];
  fallback: [number, string];
}

/** What the browser needs to print values as formatValue does; null for plain counts. */
export function unitTable(unit: string): UnitTable | null {
  const kind = unitKind(unit);
  if (kind === undefined) return null;
  const names = kind === 'bytes' ? ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] : ['ns', 'us', 'ms', 's', 'hrs'];
  return {
    factor: sampleUnitFactor(unit),
    units: names.map((n) => [displayFactor(n) ?? 1, n]),
    fallback: kind === 'bytes' ? [1, 'B'] : [1e9, 's'],
  };
}

/** formatValue in the browser: defines fmt(v) over the UnitTable U. */
export const FORMAT_SOURCE = String.raw`
function fmt(v) {
  var x = v, name = '';
  if (U) {
    var a = Math.abs(v) * U.factor, f = 0;
    for (var j = 0; j < U.units.length; j++) {
      if (U.units[j][0] >= f && a / U.units[j][0] >= 1) { f = U.units[j][0]; name = U.units[j][1]; }
    }
    if (f === 0) { f = U.fallback[0]; name = U.fallback[1]; }
    x = (v * U.factor) / f;
  }
  var s = x.toFixed(2);
  if (s.slice(-3) === '.00') s = s.slice(0, -3);
  if (s === '0' || s === '-0') return '0';
  return s + name;
}`;

export const CLIENT_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", "Liberation Sans", "DejaVu Sans", sans-serif; color: #1b1b1b; background: #fff; }
header { position: sticky; top: 0; z-index: 2; background: #fff; padding: 8px 10px 6px; border-bottom: 1px solid #ddd; }
h1 { font-size: 16px; margin: 0 0 6px; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
#search { width: 30em; max-width: 100%; padding: 3px 6px; font: inherit; }
#matched { color: #444; }
#legend { color: #444; }
#legend .sw { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 10px; vertical-align: -2px; border-radius: 2px; }
#legend .hint { margin-left: 14px; color: #777; }
#flame { position: relative; margin: 8px 10px 16px; min-height: 18px; }
.frame, .merged { position: absolute; height: 17px; line-height: 17px; font-size: 12px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; cursor: pointer; border-radius: 1px; }
.frame.l, .merged.l { padding: 0 3px; }
.frame:hover { outline: 1px solid #222; outline-offset: -1px; }
.merged { background: #b4b4b4; color: #333; cursor: zoom-in; }
.frame.ancestor { background: #e4e4e4 !important; color: #777 !important; }
body.searching .frame:not(.match), body.searching .merged { opacity: 0.35; }
.frame.match { outline: 2px solid #b000b0; outline-offset: -2px; }
#tip { position: fixed; z-index: 3; pointer-events: none; max-width: 600px; padding: 6px 8px; font-size: 12px; background: #fff; border: 1px solid #bbb; border-radius: 3px; box-shadow: 0 2px 8px rgba(0,0,0,.18); overflow-wrap: anywhere; }
#tip b { font-size: 13px; }
#tip .file { color: #666; }
#tip[hidden] { display: none; }
`;

export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('flame-data').textContent);
  var U = D.unit;
  var N = D.t.length, MIN = D.minWidth, ROW = 18;
  var TOTAL = N > 0 ? Math.max(0, D.t[0]) : 0;
  var flameEl = document.getElementById('flame'), tip = document.getElementById('tip');
  var searchEl = document.getElementById('search'), matchedEl = document.getElementById('matched');
  var resetEl = document.getElementById('reset');
  ` + FORMAT_SOURCE + String.raw`

  // Pre-order arrays: the children of i are i+1, then e[child], ... up to e[i].
  var parent = new Int32Array(N);
  (function () {
    var open = [0];
    parent[0] = -1;
    for (var i = 1; i < N; i++) {
      while (D.e[open[open.length - 1]] <= i) open.pop();
      parent[i] = open[open.length - 1];
      open.push(i);
    }
  })();

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function pct(v) { return TOTAL > 0 ? (100 * v / TOTAL).toFixed(2) + '%' : '0%'; }
  function signed(v) { return (v > 0 ? '+' : '') + fmt(v); }

  function hash(s) {
    var h = 0x811c9dc5;
    for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
    return h >>> 0;
  }
  var maxAbs = 0;
  if (D.diff) for (var q = 0; q < N; q++) if (D.t[q] > 0) maxAbs = Math.max(maxAbs, Math.abs(D.t[q] - D.b[q]));
  var colorCache = {};
  function color(i) {
    if (D.diff) {
      var ch = D.t[i] - D.b[i];
      var t = maxAbs > 0 ? Math.min(1, Math.abs(ch) / maxAbs) : 0;
      if (t < D.neutralShare) return [D.neutral, ''];
      var hue = ch > 0 ? 2 : 214;
      return ['hsl(' + hue + ',' + Math.round(45 + 40 * t) + '%,' + Math.round(88 - 46 * t) + '%)', t > 0.6 ? '#fff' : ''];
    }
    var key = D.n[i] * 8 + D.k[i];
    var c = colorCache[key];
    if (!c) {
      var hsl = D.hsl[D.kinds[D.k[i]]], x = hash(D.names[D.n[i]]);
      c = colorCache[key] = 'hsl(' + (hsl[0] + (x % 17) - 8) + ',' + hsl[1] + '%,' + (hsl[2] + ((x >>> 8) % 9) - 4) + '%)';
    }
    return [c, ''];
  }

  // Labels: the whole name when it fits, else without the package path; CSS cuts the rest with "…".
  function shortName(name) {
    var stop = name.search(/[(\[<\s]/), head = stop < 0 ? name : name.slice(0, stop);
    var slash = head.lastIndexOf('/');
    return slash < 0 ? name : name.slice(slash + 1);
  }
  function label(name, w) {
    if (w < 30) return '';
    return name.length * 6.6 <= w - 6 ? name : shortName(name);
  }

  var zoom = 0, query = '', matchName = null, matched = 0, runs = [];

  function frameHtml(i, x, w, d, cls) {
    var name = D.names[D.n[i]], c = color(i), text = label(name, w);
    if (matchName && matchName[D.n[i]]) cls += ' match';
    if (text) cls += ' l';
    return '<div class="frame' + cls + '" data-i="' + i + '" data-name="' + esc(name) + '" style="left:' + x.toFixed(1) +
      'px;top:' + d * ROW + 'px;width:' + Math.max(1, w - 1).toFixed(1) + 'px;background:' + c[0] +
      (c[1] ? ';color:' + c[1] : '') + '">' + esc(text) + '</div>';
  }

  function render() {
    var W = Math.max(100, flameEl.clientWidth);
    var html = [], chain = [], deepest = 0;
    runs = [];
    for (var a = parent[zoom]; a >= 0; a = parent[a]) chain.push(a);
    chain.reverse();
    for (var d = 0; d < chain.length; d++) html.push(frameHtml(chain[d], 0, W, d, ' ancestor'));
    var tz = Math.max(0, D.t[zoom]), scale = tz > 0 ? W / tz : 0;
    function place(i, x, v, depth) {
      html.push(frameHtml(i, x, v * scale, depth, ''));
      if (depth > deepest) deepest = depth;
      var used = 0, run = null;
      for (var c = i + 1; c < D.e[i]; c = D.e[c]) {
        var cv = Math.min(Math.max(0, D.t[c]), v - used);
        if (cv <= 0) continue;
        var cx = x + used * scale;
        used += cv;
        if (cv * scale >= MIN) { run = null; place(c, cx, cv, depth + 1); }
        else if (run) { run.count++; run.value += cv; }
        else {
          run = { parent: i, x: cx, depth: depth + 1, count: 1, value: cv };
          runs.push(run);
          if (depth + 1 > deepest) deepest = depth + 1;
        }
      }
    }
    if (tz > 0) place(zoom, 0, tz, chain.length);
    for (var r = 0; r < runs.length; r++) {
      var run = runs[r], w = run.value * scale;
      html.push('<div class="merged' + (w >= 16 ? ' l' : '') + '" data-r="' + r + '" style="left:' + run.x.toFixed(1) + 'px;top:' +
        run.depth * ROW + 'px;width:' + Math.max(1, w - (w >= MIN ? 1 : 0)).toFixed(1) + 'px">' + (w >= 16 ? '…' : '') + '</div>');
    }
    flameEl.style.height = (deepest + 1) * ROW + 'px';
    flameEl.innerHTML = html.join('');
    resetEl.disabled = zoom === 0;
  }

  function zoomTo(i) {
    zoom = i >= 0 && i < N ? i : 0;
    tip.hidden = true;
    render();
  }

  function setSearch(text) {
    query = text;
    matchName = null;
    matched = 0;
    var note = '';
    if (text !== '') {
      var re = null, m = /^\/(.+)\/([a-z]*)$/.exec(text);
      if (m) {
        try { re = new RegExp(m[1], m[2].replace(/[gy]/g, '').replace('i', '') + 'i'); } catch (err) { note = ' (not a valid regex: matching as text)'; }
      }
      var needle = text.toLowerCase();
      matchName = new Uint8Array(D.names.length);
      for (var j = 0; j < D.names.length; j++)
        matchName[j] = (re ? re.test(D.names[j]) : D.names[j].toLowerCase().indexOf(needle) >= 0) ? 1 : 0;
      // A match inside a match (recursion) is already counted by the outer one.
      for (var i = 0; i < N; ) {
        if (matchName[D.n[i]]) { matched += Math.max(0, D.t[i]); i = D.e[i]; } else i++;
      }
      matchedEl.textContent = 'matched ' + fmt(matched) + ' · ' + pct(matched) + ' of total' + note;
    } else {
      matchedEl.textContent = '';
    }
    document.body.classList.toggle('searching', matchName !== null);
    render();
  }

  function tipHtml(el) {
    if (el.classList.contains('merged')) {
      var run = runs[+el.getAttribute('data-r')];
      return '<b>' + run.count + ' frame' + (run.count > 1 ? 's' : '') + ' too narrow to draw</b><br>cum ' + fmt(run.value) + ' (' + pct(run.value) +
        ')<br><span class="file">click to zoom into their caller</span>';
    }
    var i = +el.getAttribute('data-i');
    var file = D.files[D.f[i]];
    var s = '<b>' + esc(D.names[D.n[i]]) + '</b>' + (file ? '<br><span class="file">' + esc(file) + '</span>' : '') +
      '<br>flat ' + fmt(D.s[i]) + ' (' + pct(D.s[i]) + ') · cum ' + fmt(D.t[i]) + ' (' + pct(D.t[i]) + ')';
    if (D.diff) {
      s += '<br>base: flat ' + fmt(D.bs[i]) + ' · cum ' + fmt(D.b[i]) + '<br>change: cum ' + signed(D.t[i] - D.b[i]) +
        ' · flat ' + signed(D.s[i] - D.bs[i]);
    }
    if (i !== zoom) s += '<br><span class="file">' + (i === 0 ? 'click to reset the zoom' : 'click to zoom') + '</span>';
    return s;
  }

  var shown = null;
  flameEl.addEventListener('mousemove', function (ev) {
    var el = ev.target.closest('.frame, .merged');
    if (!el) { tip.hidden = true; shown = null; return; }
    if (el !== shown) { tip.innerHTML = tipHtml(el); shown = el; }
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 16;
    if (x + tip.offsetWidth > window.innerWidth - 4) x = Math.max(4, ev.clientX - tip.offsetWidth - 10);
    if (y + tip.offsetHeight > window.innerHeight - 4) y = Math.max(4, ev.clientY - tip.offsetHeight - 10);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  });
  flameEl.addEventListener('mouseleave', function () { tip.hidden = true; shown = null; });
  flameEl.addEventListener('click', function (ev) {
    var el = ev.target.closest('.frame, .merged');
    if (!el) return;
    shown = null;
    if (el.classList.contains('merged')) zoomTo(runs[+el.getAttribute('data-r')].parent);
    else zoomTo(+el.getAttribute('data-i'));
  });
  resetEl.addEventListener('click', function () { zoomTo(0); });

  // Typing and resizing share one redraw per frame; it always applies the
  // box's current text, so a resize in the same frame cannot drop a search.
  var pending = 0;
  function later() {
    if (pending) return;
    pending = requestAnimationFrame(function () {
      pending = 0;
      if (searchEl.value !== query) setSearch(searchEl.value);
      else render();
    });
  }
  searchEl.addEventListener('input', later);
  searchEl.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { searchEl.value = ''; setSearch(''); }
  });
  window.addEventListener('resize', later);

  function state() {
    return {
      zoom: D.names[D.n[zoom]], zoomIndex: zoom, search: query, matched: matched,
      matchedShare: TOTAL > 0 ? matched / TOTAL : 0,
      frames: flameEl.querySelectorAll('.frame').length, merged: runs.length,
    };
  }
  window.flame = {
    zoom: function (name) {
      var i = typeof name === 'number' ? name : -1;
      for (var j = 0; i < 0 && j < N; j++) if (D.names[D.n[j]] === name) i = j;
      if (i < 0 || i >= N) return false;
      zoomTo(i);
      return true;
    },
    reset: function () { zoomTo(0); },
    search: function (text) { searchEl.value = text; setSearch(text); return state(); },
    state: state,
    format: fmt,
  };
  render();
})();
`;

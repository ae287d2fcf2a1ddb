// Built-in masking: the parts of a log message that vary from one line of a
// template to the next become `<*>` before mining. The same rules serve every
// log; there is no per-source configuration.
//
// The rules are regular expressions applied one after another. For speed, with
// the same result as running every rule on every message:
// - gates read from the message first decide which rules can match at all (a
//   digit; a run of 12 id characters holding a digit, a lower and an upper case
//   letter; a run of 6 hex digits holding a letter and a digit; -hhhh-;
//   dddd-dd-dd[T ]d; d.ddd.ddd.d; a:d; /a/b; `://`; ...), and only those rules run.
//   Each gate is a pattern that every match of its rule contains, and masking
//   never creates one: a rule only replaces text with `<*>` (keeping a key and
//   its `=`), and `<`, `*`, `>` are in none of the gates' patterns, so a
//   pattern in a partly masked message was in the message already;
// - key=value is a scanner written out by hand that finds exactly the matches
//   of its expression (kept beside it) without the expression's backtracking;
// - two expressions are written in a form that V8 runs faster and that
//   matches the same text (said where they are).
// src/analysis/logs/mask.test.ts checks all this against the rules applied one by one.

export const WILDCARD = '<*>';

// Order matters: whole shapes (URLs, UUIDs, addresses, paths) before the numbers inside them.
// URLs
const url = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g;
// dates with times: 2024-05-07T10:58:13.877Z, 2024-05-08 15:23:58,902 +02:00
const date = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|\s?[+-]\d{2}:?\d{2}\b)?(?![\w])/g;
// UUIDs
const uuid = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;
// IPv4, with a port
// (`(?:\d{1,3}\.){3}` written out three times: the same matches, found twice as fast)
const ipv4 = /(?<![\w.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?::\d{1,5})?(?![\w.])/g;
// host names with a port (proxy.example.net:5070), lower case as DNS names are written; not a
// source file's line (foo.java:123) nor a Java frame (com.android.Session.run:225)
const hostPort = /(?<![\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.([a-z]{2,63}):\d{1,5}(?![\w.:])/g;
const sourceFiles = new Set('java go py rb js mjs cjs ts tsx jsx cc cpp cxx hh hpp rs scala kt kts cs php swift mm ex exs erl hs lua pl pm sh groovy clj dart fs ml sql proto'.split(' '));
const hostPortGate = /[a-z]:\d/;
const maskHostPort = (s: string) => s.replace(hostPort, (all, ext: string) => (sourceFiles.has(ext) ? all : WILDCARD));
// Unix paths of two segments or more, Windows paths
const unixPath = /(?<![\w/])(?:\/[\w.@%+~-]+){2,}\/?/g;
const windowsPath = /\b[A-Za-z]:\\[^\s"'<>]*/g;
// random ids: 12 letters and digits or more, with digits, lower and upper case (base62, base64url)
const randomId = /\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{12,}\b/g;
// hex: 0x..., or six hex digits or more with both letters and digits (ids, hashes)
const hex0x = /\b0[xX][0-9a-fA-F]+\b/g;
const hexRun = /\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,}\b/g;
// the value of key=value, quoted or not: maskKeyValues(s) is
//   s.replace(/([A-Za-z_\]][\w.\-[\]]*=)(?:"[^"]*"|'[^']*'|[^\s,;&|)}\]"']+)/g, `$1<*>`)
// booleans
const booleanGate = /true|false|TRUE|FALSE|True|False/;
const boolean = /(?<![\w.-])(?:true|false|True|False|TRUE|FALSE)(?![\w-])/g;
// durations (12ms, 1.5s, 1h2m3s, 5 sec, 2 mins), sizes (10KB, 3 MB, 512 bytes, 4k), plain numbers
// (signed, compared as in <1 or >=3 after a space or bracket, decimal, or with separators: 1,024
// and 12:30:01.5 are one value). Units spelled out in full (300 seconds) stay words: they tell
// events apart. Numbers stand
// alone or glued to `_`, `-`, `/`, `=`, `:` and brackets, never to letters or digits:
// `blk_-42` → `blk_<*>`, `node-7` → `node-<*>`, but `ipv4`, `e820`, `x86` stay.
// (Without a leading `(?=[-+<>\d])`, which the branches imply: the same matches, a third faster.)
const numberRe = new RegExp(String.raw`(?:(?<![^\s(\[=,:])[<>]=?|(?<![A-Za-z0-9])[-+]?)(?:(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+|\d+(?:[.,:]\d+)*(?:\s?(?:[KMGTP]i?B|B|bytes?|secs?|mins?)|[kKMGT])?)(?![A-Za-z0-9])`, 'g');

// Character classes of ASCII (the expressions have no `u` flag, so `\d`, `\w` and
// the bracketed classes are ASCII; `\s` also has some characters beyond, see isSpace).
const D = 1; // 0-9
const L = 2; // a-z
const U = 4; // A-Z
const HEX = 8; // [0-9a-fA-F]
const PATH = 16; // [\w.@%+~-], the characters of a path segment
const KEY = 32; // [\w.\-[\]], the characters of a key
const KEY0 = 64; // [A-Za-z_\]], the first character of a key
const STOP = 128; // [\s,;&|)}\]"'], what ends an unquoted value
const ALNUM = D | L | U;
const cls = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (/\d/.test(ch)) k |= D;
  if (/[a-z]/.test(ch)) k |= L;
  if (/[A-Z]/.test(ch)) k |= U;
  if (/[0-9a-fA-F]/.test(ch)) k |= HEX;
  if (/[\w.@%+~-]/.test(ch)) k |= PATH;
  if (/[\w.\-[\]]/.test(ch)) k |= KEY;
  if (/[A-Za-z_\]]/.test(ch)) k |= KEY0;
  if (/[\s,;&|)}\]"']/.test(ch)) k |= STOP;
  cls[c] = k;
}
// Whether a code unit beyond ASCII is `\s` to this engine: asked once each, when first met.
const spaceKnown = new Uint8Array(65536); // 0 not asked, 1 no, 2 yes
const anySpace = /\s/;
function isSpace(c: number): boolean {
  if (spaceKnown[c] === 0) spaceKnown[c] = anySpace.test(String.fromCharCode(c)) ? 2 : 1;
  return spaceKnown[c] === 2;
}

// Which runs the pass is in, as a small automaton over character classes: the
// run of id characters ([A-Za-z0-9_-], its length up to 12 and which of digit,
// lower, upper it holds) and the run of hex digits (its length up to 6 and
// which of digit, letter it holds), each with a state for "a qualifying run was
// seen" that it never leaves. One table step a character.
const C_OTHER = 0;
const C_DIGIT = 1;
const C_HEX_LOWER = 2; // a-f
const C_HEX_UPPER = 3; // A-F
const C_LOWER = 4; // g-z
const C_UPPER = 5; // G-Z
const C_ID = 6; // _ and -
const CLASSES = 8;
const charClass = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) charClass[c] = C_DIGIT;
for (let c = 97; c <= 122; c++) charClass[c] = c <= 102 ? C_HEX_LOWER : C_LOWER;
for (let c = 65; c <= 90; c++) charClass[c] = c <= 70 ? C_HEX_UPPER : C_UPPER;
charClass[95] = charClass[45] = C_ID;
const idHas = [0, D, L, U, L, U, 0, 0]; // what each class adds to an id run (0 for _ and -)
const hexHas = [0, 1, 2, 2, 0, 0, 0, 0]; // and to a hex run: 1 a digit, 2 a letter (0: not hex)
const ID_SEEN = 13 * 8; // id states: length (0-12) * 8 + what the run holds; then this one
const HEX_SEEN = 7 * 4; // hex states: length (0-6) * 4 + what the run holds; then this one
const HEX_STATES = HEX_SEEN + 1;
const idStep = new Uint8Array((ID_SEEN + 1) * CLASSES);
for (let id = 0; id < ID_SEEN; id++) {
  for (let k = C_DIGIT; k <= C_ID; k++) {
    const len = Math.min((id >> 3) + 1, 12);
    const has = (id & 7) | idHas[k];
    idStep[id * CLASSES + k] = len >= 12 && has === ALNUM ? ID_SEEN : (len << 3) | has;
  }
}
idStep.fill(ID_SEEN, ID_SEEN * CLASSES);
const hexStep = new Uint8Array(HEX_STATES * CLASSES);
for (let hex = 0; hex < HEX_SEEN; hex++) {
  for (let k = C_DIGIT; k <= C_HEX_UPPER; k++) {
    const len = Math.min((hex >> 2) + 1, 6);
    const has = (hex & 3) | hexHas[k];
    hexStep[hex * CLASSES + k] = len >= 6 && has === 3 ? HEX_SEEN : (len << 2) | has;
  }
}
hexStep.fill(HEX_SEEN, HEX_SEEN * CLASSES);
// Both runs at once: state id * HEX_STATES + hex.
const step = new Uint16Array((ID_SEEN + 1) * HEX_STATES * CLASSES);
for (let id = 0, i = 0; id <= ID_SEEN; id++) {
  for (let hex = 0; hex <= HEX_SEEN; hex++) {
    for (let k = 0; k < CLASSES; k++, i++) step[i] = idStep[id * CLASSES + k] * HEX_STATES + hexStep[hex * CLASSES + k];
  }
}

const anyDigit = /\d/;

const classAt = (s: string, n: number, i: number) => (i < n ? cls[s.charCodeAt(i)] : 0);
const digits = (s: string, n: number, i: number) => {
  let j = i;
  while (j < n && cls[s.charCodeAt(j)] & D) j++;
  return j - i;
};
/** `-hhhh-` at i: where a UUID's inner groups start. */
const isUuidDash = (s: string, n: number, i: number) =>
  i + 5 < n && s.charCodeAt(i + 5) === 45 && (classAt(s, n, i + 1) & classAt(s, n, i + 2) & classAt(s, n, i + 3) & classAt(s, n, i + 4) & HEX) !== 0;
/** `dddd-dd-dd[T ]d` around the `-` at i: the start of a date with a time. */
const isDateDash = (s: string, n: number, i: number) =>
  i >= 4 &&
  i + 7 < n &&
  (classAt(s, n, i - 4) & classAt(s, n, i - 3) & classAt(s, n, i - 2) & classAt(s, n, i - 1) & classAt(s, n, i + 1) & classAt(s, n, i + 2) & D) !== 0 &&
  s.charCodeAt(i + 3) === 45 &&
  (classAt(s, n, i + 4) & classAt(s, n, i + 5) & classAt(s, n, i + 7) & D) !== 0 &&
  (s.charCodeAt(i + 6) === 84 || s.charCodeAt(i + 6) === 32);
/** `d.ddd.ddd.d` around the `.` at i (groups of one to three digits): an IPv4 address. */
function isDottedQuad(s: string, n: number, i: number): boolean {
  if (!(classAt(s, n, i - 1) & D)) return false;
  let j = i + 1;
  for (let group = 0; group < 2; group++) {
    const k = digits(s, n, j);
    if (k === 0 || k > 3 || j + k >= n || s.charCodeAt(j + k) !== 46) return false;
    j += k + 1;
  }
  return (classAt(s, n, j) & D) !== 0;
}
/** `/p/p` at i (p a path character): a path of two segments. */
function isTwoSegments(s: string, n: number, i: number): boolean {
  let j = i + 1;
  if (!(classAt(s, n, j) & PATH)) return false;
  while (classAt(s, n, j) & PATH) j++;
  return j < n && s.charCodeAt(j) === 47 && (classAt(s, n, j + 1) & PATH) !== 0;
}

export function mask(content: string): string {
  const m = content;
  const n = m.length;
  if (n === 0) return m;
  // The gates, all read from the message before any rule changes it.
  const hasDigit = anyDigit.test(m);
  let runs = 0; // random ids and hex runs hold a digit
  if (hasDigit) for (let i = 0; i < n; i++) runs = step[runs * CLASSES + charClass[m.charCodeAt(i)]];
  let uuidGate = false;
  let dateGate = false;
  for (let i = m.indexOf('-'); i >= 0 && !(uuidGate && dateGate); i = m.indexOf('-', i + 1)) {
    uuidGate ||= isUuidDash(m, n, i);
    dateGate ||= hasDigit && isDateDash(m, n, i);
  }
  let ipv4Gate = false;
  if (hasDigit) for (let i = m.indexOf('.'); i >= 0 && !ipv4Gate; i = m.indexOf('.', i + 1)) ipv4Gate = isDottedQuad(m, n, i);
  let pathGate = false;
  for (let i = m.indexOf('/'); i >= 0 && !pathGate; i = m.indexOf('/', i + 1)) pathGate = isTwoSegments(m, n, i);

  let s = m;
  if (m.includes('://')) s = s.replace(url, WILDCARD);
  if (dateGate) s = s.replace(date, WILDCARD);
  if (uuidGate) s = s.replace(uuid, WILDCARD);
  if (ipv4Gate) s = s.replace(ipv4, WILDCARD);
  if (hasDigit && hostPortGate.test(m)) s = maskHostPort(s);
  if (pathGate) s = s.replace(unixPath, WILDCARD);
  if (m.includes(':\\')) s = s.replace(windowsPath, WILDCARD);
  if (runs >= ID_SEEN * HEX_STATES) s = s.replace(randomId, WILDCARD);
  if (hasDigit && (m.includes('0x') || m.includes('0X'))) s = s.replace(hex0x, WILDCARD);
  if (runs % HEX_STATES === HEX_SEEN) s = s.replace(hexRun, WILDCARD);
  if (m.includes('=')) s = maskKeyValues(s);
  if (booleanGate.test(s)) s = s.replace(boolean, WILDCARD);
  if (hasDigit) s = s.replace(numberRe, WILDCARD);
  return s;
}

/**
 * The key=value rule. A match starts at the first key-start character at or after
 * the search position whose run of key characters is followed by `=` and a value:
 * `=` is not a key character, so the run can end at no other `=`, and the value does
 * not depend on where in the run the key starts. The key and `=` are kept.
 */
function maskKeyValues(s: string): string {
  const n = s.length;
  let out = '';
  let last = 0;
  let from = 0;
  for (;;) {
    const eq = s.indexOf('=', from);
    if (eq < 0) break;
    from = eq + 1;
    let a = eq;
    while (a > last && cls[s.charCodeAt(a - 1)] & KEY) a--;
    while (a < eq && !(cls[s.charCodeAt(a)] & KEY0)) a++;
    if (a === eq) continue;
    // "..." | '...' | [^\s,;&|)}\]"']+
    const v = eq + 1;
    if (v >= n) break;
    const c = s.charCodeAt(v);
    let end: number;
    if (c === 34 || c === 39) {
      end = s.indexOf(c === 34 ? '"' : "'", v + 1) + 1;
      if (end === 0) continue;
    } else {
      end = v;
      for (; end < n; end++) {
        const k = s.charCodeAt(end);
        if (k < 128 ? cls[k] & STOP : isSpace(k)) break;
      }
      if (end === v) continue;
    }
    out += s.slice(last, v) + WILDCARD;
    last = from = end;
  }
  return last === 0 ? s : out + s.slice(last);
}

// Built-in masking: the parts of a log message that vary from one line of a
// template to the next become `<*>` before mining. The same rules serve every
// log; there is no per-source configuration. Each rule runs only when its
// cheap gate (a character it needs) is in the line, which keeps masking fast.

export const WILDCARD = '<*>';

interface Rule {
  /** Skip the rule unless the message has this (a cheap test); always run when absent. */
  gate?: string | RegExp;
  re: RegExp;
  /** What the match becomes; `<*>` unless said. */
  to?: string;
}

// Numbers stand alone or glued to `_`, `-`, `/`, `=`, `:` and brackets, never to letters or digits:
// `blk_-42` → `blk_<*>`, `node-7` → `node-<*>`, but `ipv4`, `e820`, `x86` stay.
const number = String.raw`(?=[-+\d])(?<![A-Za-z0-9])[-+]?(?:(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+|\d+(?:[.,:]\d+)*(?:\s?(?:[KMGTP]i?B|B|bytes?)|[kKMGT])?)(?![A-Za-z0-9])`;

// Order matters: whole shapes (URLs, UUIDs, addresses, paths) before the numbers inside them.
const rules: Rule[] = [
  // URLs
  { gate: '://', re: /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g },
  // dates with times: 2024-05-07T10:58:13.877Z, 2024-05-08 15:23:58,902 +02:00
  {
    gate: /\d-\d\d[T ]\d/,
    re: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|\s?[+-]\d{2}:?\d{2}\b)?(?![\w])/g,
  },
  // UUIDs
  { gate: /-[0-9a-fA-F]{4}-/, re: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g },
  // IPv4, with a port
  { gate: /\d\./, re: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/g },
  // Unix paths of two segments or more, Windows paths
  { gate: '/', re: /(?<![\w/])(?:\/[\w.@%+~-]+){2,}\/?/g },
  { gate: ':\\', re: /\b[A-Za-z]:\\[^\s"'<>]*/g },
  // random ids: 12 letters and digits or more, with digits, lower and upper case (base62, base64url)
  { gate: /\d/, re: /\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{12,}\b/g },
  // hex: 0x..., or six hex digits or more with both letters and digits (ids, hashes)
  { gate: /0[xX]/, re: /\b0[xX][0-9a-fA-F]+\b/g },
  { re: /\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,}\b/g },
  // the value of key=value, quoted or not
  { gate: '=', re: /([A-Za-z_\]][\w.\-[\]]*=)(?:"[^"]*"|'[^']*'|[^\s,;&|)}\]"']+)/g, to: `$1${WILDCARD}` },
  // booleans
  { gate: /true|false|TRUE|FALSE|True|False/, re: /(?<![\w.-])(?:true|false|True|False|TRUE|FALSE)(?![\w-])/g },
  // durations (12ms, 1.5s, 1h2m3s), sizes (10KB, 3 MB, 512 bytes, 4k), plain numbers
  // (signed, decimal, or with separators: 1,024 and 12:30:01.5 are one value)
  { re: new RegExp(number, 'g') },
];

export function mask(content: string): string {
  let s = content;
  for (const r of rules) {
    if (r.gate !== undefined && !(typeof r.gate === 'string' ? s.includes(r.gate) : r.gate.test(s))) continue;
    s = s.replace(r.re, r.to ?? WILDCARD);
  }
  return s;
}

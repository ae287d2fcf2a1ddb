// Built-in masking: the parts of a log message that vary from one line of a
// template to the next become `<*>` before mining. The same rules serve every
// log; there is no per-source configuration.

export const WILDCARD = '<*>';

// Order matters: whole shapes (URLs, UUIDs, addresses, paths) before the numbers inside them.
const rules: RegExp[] = [
  // URLs
  /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g,
  // UUIDs
  /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g,
  // IPv4 with an optional port
  /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/g,
  // Unix paths (two segments or more) and Windows paths
  /(?<![\w/])(?:\/[\w.@%+~-]+){2,}\/?/g,
  /\b[A-Za-z]:\\[^\s"'<>]*/g,
  // hex: 0x..., or a run of hex digits with letters and digits mixed
  /\b0[xX][0-9a-fA-F]+\b/g,
  /\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,}\b/g,
  // durations and sizes: 12ms, 1.5s, 10KB, 3 MB
  /(?<![\w.])-?\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|m|h|d|[KMGTP]i?B|B|bytes?|[kKMGT])(?![\w.])/g,
  // the value of key=value (quoted or not)
  /(?<=[A-Za-z_\]][\w.\-\[\]]*=)(?:"[^"]*"|'[^']*'|[^\s,;&|)}\]"']+)/g,
  // booleans and nothing-values standing alone
  /(?<![\w.-])(?:true|false|True|False|TRUE|FALSE)(?![\w-])/g,
  // numbers: integers, decimals, signed, with separators
  process.env.AGG === '2' ? /[-+]?\w*\d\w*(?:[.,:]\d+)*/g : process.env.AGG === '1' ? /[-+]?\d+(?:[.,:]\d+)*/g : /(?<![A-Za-z0-9])[-+]?\d+(?:[.,:]\d+)*(?![A-Za-z0-9])/g,
];

export function mask(content: string): string {
  let s = content;
  for (const r of rules) s = s.replace(r, WILDCARD);
  return s;
}

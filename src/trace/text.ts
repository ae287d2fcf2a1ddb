// Trace strings are bytes, and Go prints invalid UTF-8 as it is (%s) or as
// \x escapes (%q). To print exactly what Go prints, an invalid byte is kept as
// a lone low surrogate U+DC80+byte (Python's "surrogateescape"), which no
// valid UTF-8 can decode to, and turned back into its byte on output.

const strict = new TextDecoder('utf-8', { fatal: true });

export function decodeBytes(b: Uint8Array): string {
  try {
    return strict.decode(b);
  } catch {
    return decodeLossless(b);
  }
}

/** utf8.DecodeRune's rules: no overlong forms, no surrogates, nothing past U+10FFFF. */
function decodeLossless(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const cont = (k: number) => k < b.length && (b[k] & 0xc0) === 0x80;
  while (i < b.length) {
    const c = b[i];
    let cp = -1;
    let n = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) {
      cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f);
      n = 2;
    } else if (c >= 0xe0 && c <= 0xef && cont(i + 1) && cont(i + 2)) {
      const v = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
      if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) [cp, n] = [v, 3];
    } else if (c >= 0xf0 && c <= 0xf4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const v = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
      if (v >= 0x10000 && v <= 0x10ffff) [cp, n] = [v, 4];
    }
    out += cp < 0 ? String.fromCharCode(0xdc00 + c) : String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

const escaped = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** The byte an escaped character stands for, or -1. */
export function escapedByte(ch: string): number {
  const c = ch.charCodeAt(0);
  return ch.length === 1 && c >= 0xdc80 && c <= 0xdcff ? c - 0xdc00 : -1;
}

/** Text for output: a string where it is valid UTF-8, else its original bytes. */
export function outputBytes(s: string): string | Buffer {
  if (!escaped.test(s)) return s;
  const parts: Buffer[] = [];
  for (const ch of s) {
    const b = escapedByte(ch);
    parts.push(b >= 0 ? Buffer.of(b) : Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}

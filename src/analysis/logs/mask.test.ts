import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import { mask } from './mask.js';

describe('mask', () => {
  it.each([
    ['PacketResponder 1 for block blk_-6952295868487656571 terminating', 'PacketResponder <*> for block blk_<*> terminating'],
    ['Received connection request /10.10.34.11:45307', 'Received connection request /<*>'],
    ['rhost=218.188.2.4 user=root', 'rhost=<*> user=<*>'],
    ['instance 3edec1e4-9678-4a3a-a21b-a145a4ee5e61 deleted', 'instance <*> deleted'],
    ['workerEnv.init() ok /etc/httpd/conf/workers2.properties', 'workerEnv.init() ok <*>'],
    ['Loaded C:\\Windows\\winsxs\\cbscore.dll', 'Loaded <*>'],
    ['GET https://example.com/api/v1/items?id=3 failed', 'GET <*> failed'],
    ['flags=0x1 token a64f992 ok', 'flags=<*> token <*> ok'],
    ['took 12ms, then 1.5s, then 1h2m3s', 'took <*>, then <*>, then <*>'],
    ['wrote 10KB and 3 MB and 512 bytes', 'wrote <*> and <*> and <*>'],
    ['isOverlap:false visible true', 'isOverlap:<*> visible <*>'],
    ['tag="View Lock", name=com.android.systemui, ws=null', 'tag=<*>, name=<*>, ws=<*>'],
    ['at 2024-05-07T10:58:13.877Z and 2015-07-29 17:41:44,747 done', 'at <*> and <*> done'],
    ['request id q62wCcIkEOueqFKF9 done', 'request id <*> done'],
    ['port 8080, -3 retries, 1,024 items, 12:30:01.5', 'port <*>, <*> retries, <*> items, <*>'],
    ['lifetime <1 sec, then 00:02; waited 5 mins, >=3 left', 'lifetime <*>, then <*>; waited <*>, <*> left'],
    ['www.example.com:443 and proxy.cse.cuhk.edu.hk:5070 at Foo.run(Foo.java:42) in main.go:7:', '<*> and <*> at Foo.run(Foo.java:<*>) in main.go:<*>:'],
  ])('%s', (input, want) => expect(mask(input)).toBe(want));

  it('leaves words with digits, versions in names and plain words alone', () => {
    for (const s of ['ipv4 e820 amd64 utf8 sha256 log4j', 'Connection reset by peer', 'jk2_init() Found child', 'BIOS-e820: usable']) expect(mask(s)).toBe(s);
  });

  it('is the identity on text with nothing variable, and idempotent', () => {
    const once = mask('user 42 from 10.0.0.1:22 took 5ms');
    expect(mask(once)).toBe(once);
    expect(mask('')).toBe('');
  });
});

// The rules as they were first written: each expression applied to the whole message in
// turn, every rule on every message. mask() skips rules that cannot match and scans
// key=value by hand; its output must stay the same as this, character for character.
const reference = (() => {
  const number = String.raw`(?=[-+<>\d])(?:(?<![^\s(\[=,:])[<>]=?|(?<![A-Za-z0-9])[-+]?)(?:(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+|\d+(?:[.,:]\d+)*(?:\s?(?:[KMGTP]i?B|B|bytes?|secs?|mins?)|[kKMGT])?)(?![A-Za-z0-9])`;
  const sourceFiles = new Set('java go py rb js mjs cjs ts tsx jsx cc cpp cxx hh hpp rs scala kt kts cs php swift mm ex exs erl hs lua pl pm sh groovy clj dart fs ml sql proto'.split(' '));
  const rules: [RegExp, (string | ((all: string, ext: string) => string))?][] = [
    [/\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s"'<>]+/g],
    [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|\s?[+-]\d{2}:?\d{2}\b)?(?![\w])/g],
    [/\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g],
    [/(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])/g],
    [/(?<![\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.([a-z]{2,63}):\d{1,5}(?![\w.:])/g, (all, ext) => (sourceFiles.has(ext) ? all : '<*>')],
    [/(?<![\w/])(?:\/[\w.@%+~-]+){2,}\/?/g],
    [/\b[A-Za-z]:\\[^\s"'<>]*/g],
    [/\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{12,}\b/g],
    [/\b0[xX][0-9a-fA-F]+\b/g],
    [/\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{6,}\b/g],
    [/([A-Za-z_\]][\w.\-[\]]*=)(?:"[^"]*"|'[^']*'|[^\s,;&|)}\]"']+)/g, '$1<*>'],
    [/(?<![\w.-])(?:true|false|True|False|TRUE|FALSE)(?![\w-])/g],
    [new RegExp(number, 'g')],
  ];
  return (s: string) => rules.reduce((m, [re, to]) => (typeof to === 'function' ? m.replace(re, to) : m.replace(re, to ?? '<*>')), s);
})();

describe('mask, against the rules applied one by one', () => {
  it.each([
    'a=b=c d="x y" e=\'q\' f=" g=\'h',
    'x=ab]c=5 1abc=7 [k]=v k.v-w=1;z= =3',
    '1.2.3abc 1.2.3.4:123456 1.2.3.4:80x 10.0.0.1.5 .1.2.3.4',
    '5min 5ms 1.5.3s 3 Bytes 3 bytes 3 byte 2KiBx 4 PB 7\u00a0MB 9\u2003GB 12:30:01.5 -3 +4 x-5 _6',
    '2024-05-07T10:58:13.877Z 2024-05-08 15:23:58,902 +02:00 12024-05-07 10:00',
    'id q62wCcIkEOueqFKF9 aB3_-xxxxxxxx _aB3xxxxxxxxx deadbeef12 0xZZ 0x1f 00x1f abcdef123456g',
    '/a/b /a /a/b/ //a/b x/a/b C:\\x http://h/p?q=1 u-3edec1e4-9678-4a3a-a21b-a145a4ee5e61-v',
    'true.false -true True_ TRUE FALSE false-',
    'é=1 ü12:30 ünter 5µs 5us',
    // the edges of the gates
    '10.251.121.224:150010 10.251.121.224:50010x 255.255.255.255.1 1.22.333.4444',
    'aB3defghijkl aB3defghijk -aB3defghijkl- x_aB3defghij',
    'abc123 abc12 ABC123 123456 abcdef a1b2c3d4',
    '<1 sec 2secs <=4 mins >5min ~6 x<7 <<8 a>9 5 seconds ->5 (<3) a="x"5 at <*>5 =>2',
    'a.b.com:80 github.com:443 a.java:1 x.go:2: h.example.org:99999 -a.b.com:1 a.b.com:1.2 A.B.COM:22',
    '2024-05-07T10:58 2024-05-07 1 024-05-07T10:58 2024-5-07T10:58',
  ])('%s', (s) => expect(mask(s)).toBe(reference(s)));

  it('on generated messages made of the pieces the rules look at', () => {
    const pieces = ['0', '7', '42', '255', '.', ',', ':', '-', '+', ' ', '\t', '\u00a0', 'ns', 'ms', 'µs', 's', 'm', 'h', 'KB', 'MiB', 'B', 'bytes', 'k', 'x', '0x', 'a', 'F', 'Z', '_', '/', '://', '\\', ':\\', '=', '"', "'", '[', ']', ')', ';', '&', 'true', 'False', '<*>', 'T', '2024-05-07', '10:58:13', '1.2.3.4', '3edec1e4', '-9678-', 'q62wCcIkEOueqFKF9', 'http', 'é', '<', '>', '<=', '~', '(', ' sec', ' mins', 'proxy.example.net', 'a.java', '.com', ':443'];
    let x = 1;
    const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n;
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      for (let k = Math.floor(rand(12)); k >= 0; k--) s += pieces[Math.floor(rand(pieces.length))];
      if (mask(s) !== reference(s)) expect(mask(s), JSON.stringify(s)).toBe(reference(s));
    }
  });

  it.skipIf(!sharedFixtures)('on every line of the Loghub and Loki fixtures', () => {
    const files = [
      ...readdirSync(fixture('logs', 'loghub-2k')).map((name) => fixture('logs', 'loghub-2k', name, `${name}_2k.log`)),
      ...readdirSync(fixture('logs', 'loki-drain-testdata')).map((name) => fixture('logs', 'loki-drain-testdata', name)),
    ].filter((f) => existsSync(f) && statSync(f).isFile());
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').split(/\r\n|\r|\n/));
    expect(lines.length).toBeGreaterThan(25_000);
    for (const line of lines) if (mask(line) !== reference(line)) expect(mask(line), line).toBe(reference(line));
    // and on pieces of them, spliced and edited with characters the rules care about
    const chars = '0123456789abcdefxXgzGZ_-.:/\\=\'"<*> \tTµ,;&|)}]@%+~kKMGBi';
    let x = 7;
    const rand = (n: number) => Math.floor((((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n));
    for (let i = 0; i < 50_000; i++) {
      let s = lines[rand(lines.length)];
      const how = rand(4);
      if (how === 0) s = s.slice(rand(s.length + 1), rand(s.length + 1) + rand(60));
      else if (how === 1) s = `${s} ${lines[rand(lines.length)].slice(rand(40))}`;
      else for (let e = rand(4); e >= 0; e--) {
        const at = rand(s.length + 1);
        s = s.slice(0, at) + chars[rand(chars.length)] + s.slice(at + rand(2));
      }
      if (mask(s) !== reference(s)) expect(mask(s), JSON.stringify(s)).toBe(reference(s));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { Drain, templateText, tokenize } from './drain.js';

const mine = (lines: string[]) => {
  const d = new Drain();
  const ids = lines.map((l) => d.add(l).id);
  return { d, ids, text: (id: number) => templateText(d.templates[id]) };
};

describe('Drain', () => {
  it('groups lines of one template and turns the differing words into <*>', () => {
    const { ids, text } = mine(['Invalid user webmaster from 173.234.31.186', 'Invalid user test9 from 52.80.34.196', 'Invalid user admin from 10.0.0.1']);
    expect(new Set(ids).size).toBe(1);
    expect(text(ids[0])).toBe('Invalid user <*> from <*>');
  });

  it('keeps different messages apart, even with the same length', () => {
    const { ids } = mine([
      'Client attempting to renew session 0x24ed93119420016 at /10.10.34.13:37115',
      'Client attempting to establish new session at /10.10.34.19:33425',
      'Starting TrustedInstaller initialization.',
      'Received block blk_1 of size 67108864 from /10.251.42.84',
      'Receiving block blk_2 src: /10.251.71.16:50010 dest: /10.251.71.16:50010',
    ]);
    expect(new Set(ids).size).toBe(5);
  });

  it('counts a list of values as one value', () => {
    const { ids, text } = mine(['BLOCK* ask 10.0.0.1:50010 to delete blk_1 blk_2 blk_3', 'BLOCK* ask 10.0.0.2:50010 to delete blk_4']);
    expect(ids[0]).toBe(ids[1]);
    expect(text(ids[0])).toBe('BLOCK* ask <*> to delete blk_<*>');
    expect(tokenize('a  <*> <*>\t<*> b')).toEqual(['a', '<*>', 'b']);
  });

  it('keeps one template when a value comes with or without its aside, and across hosts', () => {
    // Proxifier's one "close" event has lines of six lengths (Loghub): "(1.16 KB)" is written only
    // past a KB, "<1 sec" where the lifetime is short; and each line starts with its host and port.
    const { ids, text } = mine([
      'www.example.com:443 close, 0 bytes sent, 0 bytes received, lifetime <1 sec',
      'api.example.org:80 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:02',
      '10.0.0.7:22 close, 403 bytes sent, 18846 bytes (18.4 KB) received, lifetime 02:19',
      'api.example.org:80 open through proxy proxy.example.net:5070 HTTPS',
      'www.example.com:443 open through proxy proxy.example.net:5070 HTTPS',
      '10.0.0.7:22 open through proxy socks.example.net:5070 SOCKS5',
    ]);
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(text(ids[0])).toBe('<*> close, <*> sent, <*> received, lifetime <*>');
    expect(ids[3]).not.toBe(ids[0]);
    expect(ids[4]).toBe(ids[3]);
    // A protocol's name is an event's, as a capitalised word is.
    expect(ids[5]).not.toBe(ids[3]);
    expect(tokenize('sent <*> (<*>) and (<*>) <*> [<*>]')).toEqual(['sent', '<*>', 'and', '(<*>)', '<*>']);
  });

  it('is deterministic and counts lines per template', () => {
    const lines = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `worker ${i} started in ${i}ms` : i % 3 === 1 ? `connection to db-${i} refused` : `cache hit ratio ${i / 1000}`));
    const a = mine(lines);
    const b = mine(lines);
    expect(a.ids).toEqual(b.ids);
    expect(a.d.templates.map((t) => t.count)).toEqual([100, 100, 100]);
  });

  it('remembers 50,000 masked messages, and mines one again once they are forgotten', () => {
    // Many distinct messages (words glued to numbers are not masked), some repeated. A repeat
    // within the 50,000 joins its template again without matching; past them it is matched
    // afresh, and may then join a more general template. The ids below are those the miner gave
    // before its table of recent messages (in front of the 50,000) was added: it must not change them.
    const lines: string[] = [];
    for (let i = 0; i < 120_000; i++) lines.push(i % 4 === 0 ? `job j${i % 97} done on host${i % 5}` : `job j${i} queued behind j${i - 1} on host${i % 5}`);
    const d = new Drain();
    const ids = lines.map((l) => d.add(l).id);
    expect(d.templates.length).toBe(9);
    expect(d.templates.reduce((n, t) => n + t.count, 0)).toBe(lines.length);
    expect(ids.reduce((h, x) => (h * 31 + x) | 0, 0)).toBe(175996682);
    const first = new Map<string, number>();
    let other = 0;
    lines.forEach((l, i) => {
      if (!first.has(l)) first.set(l, ids[i]);
      else if (ids[i] !== first.get(l)) other++;
    });
    expect(other).toBe(108);
  });

  it('mines an empty message', () => {
    const { ids, text } = mine(['', '   ']);
    expect(ids[0]).toBe(ids[1]);
    expect(text(ids[0])).toBe('');
  });
});

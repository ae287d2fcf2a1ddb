import { describe, expect, it } from 'vitest';
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

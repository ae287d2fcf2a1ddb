// The Pyroscope client against a server that speaks Pyroscope's published protobuf definitions
// (test/recorded/pyroscope, encoded and decoded by protobufjs, not by our own wire code), over
// the Connect protocol on loopback: Pyroscope cannot be built here (its module has replace
// directives), so its answers are built from its .proto files. The profile inside is a real one
// (Pyroscope's own test profile, from the shared fixtures).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, repoRoot, sharedFixtures } from '../../../test/helpers/shared.js';
import { parseProfile } from '../../profile/pprof.js';
import type { ProfilesConfig } from '../../config/registry.js';
import { queryPyroscope } from './pyroscope.js';

const root = new protobuf.Root();
for (const f of ['profile.proto', 'querier.proto']) protobuf.parse(readFileSync(join(repoRoot, 'test/recorded/pyroscope', f), 'utf8'), root, { keepCase: true });
const Request = root.lookupType('querier.v1.SelectMergeStacktracesRequest');
const MergeProfileRequest = root.lookupType('querier.v1.SelectMergeProfileRequest');
const Response = root.lookupType('querier.v1.SelectMergeStacktracesResponse');
const Profile = root.lookupType('google.v1.Profile');

type Mode = 'v2.2' | 'older' | 'refuse' | 'empty';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

describe.skipIf(!sharedFixtures)('Pyroscope client (answers built from its protobuf definitions)', () => {
  let server: Server;
  let url = '';
  let mode: Mode = 'v2.2';
  const seen: Seen[] = [];
  let profile: protobuf.Message;

  beforeAll(async () => {
    profile = Profile.decode(gunzipSync(readFileSync(fixture('pprof', 'pyroscope__cpu.pb.gz'))));
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      const method = req.url?.split('/').pop();
      const type = method === 'SelectMergeProfile' ? MergeProfileRequest : Request;
      seen.push({ path: req.url ?? '', headers: req.headers, body: type.toObject(type.decode(raw), { longs: Number, enums: String }) });
      const proto = (m: Uint8Array) => {
        res.writeHead(200, { 'content-type': 'application/proto' });
        res.end(Buffer.from(m));
      };
      if (mode === 'refuse') {
        // Connect's error body for a unary call: JSON, whatever the request's codec.
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'invalid_argument', message: 'failed to parse label selector: 1:5: parse error: unexpected "}"' }));
        return;
      }
      if (method === 'SelectMergeProfile') return proto(Profile.encode(profile).finish());
      if (mode === 'older') return proto(Response.encode(Response.create({ flamegraph: { names: ['total'], levels: [{ values: [0, 100, 0, 0] }], total: 100, max_self: 0 } })).finish());
      const inner = mode === 'empty' ? Profile.create({}) : profile;
      proto(Response.encode(Response.create({ pprof: { profile: inner } })).finish());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const cfg = (): ProfilesConfig => ({ type: 'pyroscope', url, selector: '{service_name="order-api"}', types: ['cpu'], tenant: 'team-a' });
  const window = { start: Date.parse('2026-12-06T14:00:00Z'), end: Date.parse('2026-12-06T14:10:00Z') };
  const http = { timeoutMs: 5000, maxBytes: 16 << 20 };

  it('asks SelectMergeStacktraces for pprof (v2.2+), over Connect, and reads the profile it answers', async () => {
    mode = 'v2.2';
    seen.length = 0;
    const r = await queryPyroscope(cfg(), 'cpu', window, http);
    if (!r.ok) throw new Error(r.error);
    expect(seen).toHaveLength(1);
    expect(seen[0].path).toBe('/querier.v1.QuerierService/SelectMergeStacktraces');
    expect(seen[0].headers).toMatchObject({ 'content-type': 'application/proto', 'connect-protocol-version': '1', 'x-scope-orgid': 'team-a' });
    expect(seen[0].body).toEqual({ profile_typeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', label_selector: '{service_name="order-api"}', start: window.start, end: window.end, format: 'PROFILE_FORMAT_PPROF' });
    const ours = parseProfile(r.value);
    if (!ours.ok) throw new Error(ours.error);
    expect(ours.value.samples.count).toBe((profile as unknown as { sample: unknown[] }).sample.length);
    expect(ours.value.sampleTypes.map((t) => t.type)).toEqual(['samples', 'cpu']);
  });

  it('falls back to SelectMergeProfile when the server answers a flame graph (older than v2.2)', async () => {
    mode = 'older';
    seen.length = 0;
    const r = await queryPyroscope(cfg(), 'cpu', window, http);
    if (!r.ok) throw new Error(r.error);
    expect(seen.map((s) => s.path.split('/').pop())).toEqual(['SelectMergeStacktraces', 'SelectMergeProfile']);
    expect(seen[1].body).toEqual({ profile_typeID: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', label_selector: '{service_name="order-api"}', start: window.start, end: window.end });
    const ours = parseProfile(r.value);
    expect(ours.ok && ours.value.samples.count).toBeGreaterThan(0);
  });

  it('a refusal, an empty answer and a server that is not Pyroscope are one line each', async () => {
    mode = 'refuse';
    expect(await queryPyroscope(cfg(), 'cpu', window, http)).toEqual({ ok: false, error: 'Pyroscope answered 400 (invalid_argument): failed to parse label selector: 1:5: parse error: unexpected "}"' });
    mode = 'empty';
    expect(await queryPyroscope(cfg(), 'cpu', window, http)).toEqual({ ok: false, error: 'Pyroscope answered an empty profile' });
    const elsewhere = createServer((_req, res) => {
      res.writeHead(404);
      res.end('404 page not found\n');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const other = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    expect(await queryPyroscope({ ...cfg(), url: other }, 'cpu', window, http)).toEqual({ ok: false, error: `${other} has no Pyroscope query API (404 on SelectMergeStacktraces)` });
    await new Promise<void>((r) => elsewhere.close(() => r()));
  });
});

// Real redis-server processes on free ports, for the topology tests: a primary with a replica and
// three Sentinels, or a Cluster of three masters made by `redis-cli --cluster create`. Each in a
// temporary directory, nothing saved to disk; stop() kills them all and removes it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisAnswers } from '../../src/server/redis.js';
import { until } from './redis.js';
import { freePort } from './server.js';

export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;

function server(dir: string, args: string[]): ChildProcess {
  return spawn('redis-server', ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], { stdio: 'ignore' });
}

const answers = (port: number) => redisAnswers(`redis://127.0.0.1:${port}`);

async function ask(port: number, ...args: string[]): Promise<unknown> {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  r.on('error', () => undefined);
  try {
    return await r.call(args[0], ...args.slice(1));
  } finally {
    r.disconnect();
  }
}

export interface SentinelSet {
  name: string;
  primary: { port: number; process: ChildProcess };
  replica: { port: number; process: ChildProcess };
  sentinels: number[];
  /** The port the Sentinels name as the primary now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

/** A primary, a replica and three Sentinels (quorum 2) that fail over a second after the primary stops answering. */
export async function startSentinelSet(name = 'rcaprimary'): Promise<SentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'rca-sentinel-'));
  const procs: ChildProcess[] = [];
  const [p, r] = [await freePort(), await freePort()];
  const primary = server(dir, ['--port', String(p)]);
  const replica = server(dir, ['--port', String(r), '--replicaof', '127.0.0.1', String(p)]);
  procs.push(primary, replica);
  await until(async () => (await answers(p)) && (await answers(r)), 'the primary and the replica');
  await until(async () => /master_link_status:up/.test(String(await ask(r, 'INFO', 'replication'))), 'the replica to sync');
  const sentinels: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${p} 2`, `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 5000`, `sentinel parallel-syncs ${name} 1`, ''].join('\n'));
    procs.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    sentinels.push(port);
  }
  // Every Sentinel knows the replica and the other Sentinels before anything fails.
  await until(async () => {
    for (const s of sentinels) {
      const replicas = (await ask(s, 'SENTINEL', 'REPLICAS', name).catch(() => [])) as unknown[];
      const others = (await ask(s, 'SENTINEL', 'SENTINELS', name).catch(() => [])) as unknown[];
      if (replicas.length < 1 || others.length < 2) return false;
    }
    return true;
  }, 'the Sentinels to see the replica and each other', 30_000);
  return {
    name,
    primary: { port: p, process: primary },
    replica: { port: r, process: replica },
    sentinels,
    async primaryPort() {
      const addr = (await ask(sentinels[0], 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string];
      return Number(addr[1]);
    },
    async stop() {
      for (const c of procs) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ClusterSet {
  ports: number[];
  stop(): Promise<void>;
}

/** Three masters, every slot assigned, cluster_state ok. */
export async function startCluster(): Promise<ClusterSet> {
  const dir = mkdtempSync(join(tmpdir(), 'rca-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const procs = ports.map((port) => server(dir, ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000']));
  await until(async () => (await Promise.all(ports.map(answers))).every(Boolean), 'the cluster nodes');
  const made = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
  await until(async () => {
    for (const p of ports) if (!/cluster_state:ok/.test(String(await ask(p, 'CLUSTER', 'INFO')))) return false;
    return true;
  }, 'cluster_state ok on every node', 30_000);
  return {
    ports,
    async stop() {
      for (const c of procs) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

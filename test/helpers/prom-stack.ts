// Prometheus and Alertmanager from Debian's packages, on 127.0.0.1 with free
// ports and their own data folders: the real programs the bot's alert intake
// and its metrics source are tested against.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './redis.js';
import { freePort } from './server.js';
import { stopper } from './process.js';

const find = (...paths: string[]) => paths.find((p) => existsSync(p));
export const prometheusBinary = find('/usr/bin/prometheus', '/usr/local/bin/prometheus');
export const alertmanagerBinary = find('/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager');

export interface Running {
  url: string;
  version: string;
  process: ChildProcess;
  stop(): Promise<void>;
}


function started(binary: string, args: string[], ready: string, what: string): Promise<Running> {
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const line = `${version.stdout}${version.stderr}`.split('\n')[0].trim();
  const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = ready.replace(/\/-\/ready$/, '');
  return until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
      const res = await fetch(ready).catch(() => undefined);
      return res?.ok;
    },
    `${what} to be ready`,
    30_000,
  ).then(() => ({ url, version: line, process: proc, stop: stopper(proc) }));
}

export interface PrometheusOptions {
  /** job name → host:port scraped every `interval`. */
  targets: Record<string, string>;
  /** A rules file's YAML (recording and alerting rules). */
  rules?: string;
  /** Where fired alerts go. */
  alertmanager?: string;
  interval?: string;
  /** A port chosen beforehand (freePort), when others must know it first. */
  port?: number;
}

export async function startPrometheus(o: PrometheusOptions): Promise<Running> {
  if (!prometheusBinary) throw new Error("no prometheus binary (.ci/run installs Debian's prometheus)");
  const dir = mkdtempSync(join(tmpdir(), 'rca-prom-'));
  const port = o.port ?? (await freePort());
  const interval = o.interval ?? '1s';
  const scrape = Object.entries(o.targets)
    .map(([job, target]) => `  - job_name: ${job}\n    static_configs: [{ targets: ['${target}'] }]`)
    .join('\n');
  if (o.rules) writeFileSync(join(dir, 'rules.yml'), o.rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      `global: { scrape_interval: ${interval}, evaluation_interval: ${interval} }`,
      o.rules ? `rule_files: ['${join(dir, 'rules.yml')}']` : '',
      o.alertmanager ? `alerting:\n  alertmanagers:\n    - static_configs: [{ targets: ['${new URL(o.alertmanager).host}'] }]` : '',
      `scrape_configs:\n${scrape}`,
      '',
    ].join('\n'),
  );
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Firing alerts are sent again every second, not every minute: a drill does not wait.
    '--rules.alert.resend-delay=1s',
  ];
  return started(prometheusBinary, args, `http://127.0.0.1:${port}/-/ready`, 'prometheus');
}

export interface AlertmanagerOptions {
  /** The webhook the alerts are posted to. */
  webhook: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string;
  /** A second webhook that gets the same notifications (a recorder), without a token. */
  also?: string;
}

export async function startAlertmanager(o: AlertmanagerOptions): Promise<Running> {
  if (!alertmanagerBinary) throw new Error("no alertmanager binary (.ci/run installs Debian's prometheus-alertmanager)");
  const dir = mkdtempSync(join(tmpdir(), 'rca-am-'));
  const [port, cluster] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    `route:
  receiver: rca-bot
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: rca-bot
    webhook_configs:
      - url: '${o.webhook}'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '${o.token}'
${o.also ? `      - url: '${o.also}'
        send_resolved: true
` : ''}`,
  );
  const args = [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // One instance, no gossip: the cluster port would otherwise be 9094 on every address.
    `--cluster.listen-address=`,
    `--cluster.advertise-address=127.0.0.1:${cluster}`,
  ];
  return started(alertmanagerBinary, args, `http://127.0.0.1:${port}/-/ready`, 'alertmanager');
}

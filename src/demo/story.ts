// The demo's story, told in the console by `rca-bot serve` when it runs the
// demo service: a first /rca while it is healthy (kept as the baseline), then
// the fault goes on and Alertmanager's alert arrives with its diagnosis, then
// the fault goes off and the alert resolves, so the digest has an incident to chart.
// Each step says in the channel what happens next.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Inbox } from '../chat/adapter.js';
import type { ConsoleMessage, ConsoleStore } from '../chat/console/store.js';
import { demoAlertBody } from './alert-body.js';

export interface Story {
  store: ConsoleStore;
  inbox: Inbox;
  /** The demo service's base URL. */
  target: string;
  /** The bot's own base URL, where Alertmanager posts. */
  bot: string;
  alertToken: string;
  /** When the demo service started: its log file begins then. */
  startedAt: number;
  /** Seconds between the incident window and its baseline: the fault waits until the log file reaches back that far. */
  baseline: number;
  signal: AbortSignal;
  say: (line: string) => void;
}

const channel = 'incident';

async function waitFor(s: Story, what: string, test: (m: ConsoleMessage) => boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await s.store.list(channel)).some(test)) return;
    await sleep(500, undefined, { signal: s.signal });
  }
  throw new Error(`the demo waited ${timeoutMs / 1000} s for ${what}`);
}

const narrate = (s: Story, text: string) => s.store.add({ channel, text: `*Demo:* ${text}`, from: 'bot' });

async function fault(s: Story, on: boolean): Promise<void> {
  const res = await fetch(`${s.target}/fault?on=${on ? 1 : 0}`, { method: 'POST', signal: s.signal });
  if (!res.ok) throw new Error(`the demo service answered HTTP ${res.status} to turning the fault ${on ? 'on' : 'off'}`);
}

async function alert(s: Story, startsAt: string, endsAt?: string): Promise<void> {
  const res = await fetch(`${s.bot}/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.alertToken}` },
    body: JSON.stringify(demoAlertBody(startsAt, endsAt)),
    signal: s.signal,
  });
  if (!res.ok) throw new Error(`the bot answered HTTP ${res.status} to the demo alert`);
}

export async function tellStory(s: Story): Promise<void> {
  const since = Date.now();
  await narrate(s, 'demo-api is a small Node service under steady load, healthy for now. A first `/rca demo-api` checks it and keeps its profiles as the healthy baseline.');
  const asked = await s.store.add({ channel, text: '/rca demo-api', from: 'user', user: 'demo' });
  await s.inbox.command({ platform: 'console', channel, user: 'demo', text: '/rca demo-api', key: asked.id });
  await waitFor(s, 'the first diagnosis', (m) => m.from === 'bot' && !m.thread && m.createdAt >= since && /^(✅|❌) demo-api: /.test(m.text));
  // The logs of the incident window are compared with the same window `baseline` earlier: the file must reach back that far.
  await sleep(Math.max(0, s.startedAt + (s.baseline + 2) * 1000 - Date.now()), undefined, { signal: s.signal });
  await narrate(s, 'the fault goes on now: every order re-serialises the whole catalogue. Alertmanager\'s HighCPU alert follows in 8 s, and its diagnosis arrives in its thread without anyone asking.');
  await fault(s, true);
  await sleep(8000, undefined, { signal: s.signal });
  const posted = Date.now();
  const startsAt = new Date(posted).toISOString();
  await alert(s, startsAt);
  s.say('demo: the HighCPU alert is posted');
  // This run's alert: an earlier run's is in the same channel when the bot restarts on the same Redis.
  await waitFor(s, 'the alert\'s diagnosis', (m) => m.from === 'bot' && !m.thread && m.createdAt >= posted - 1000 && /Diagnosis: /.test(m.text));
  await narrate(s, 'press *Compare with last healthy capture* under the report for the differential flame graph. The fault goes off in 20 s and the alert resolves.');
  await sleep(20_000, undefined, { signal: s.signal });
  await fault(s, false);
  await sleep(4000, undefined, { signal: s.signal });
  await alert(s, startsAt, new Date().toISOString());
  await narrate(s, 'the alert resolved. `/rca digest` charts the time to resolve by week, service and cause; `/rca demo-api` checks the service again.');
}

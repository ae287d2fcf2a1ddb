// The Slack app manifests in the repository against the code: the command and
// the events the app answers, the route Slack must call, and a scope for every
// Web API method the adapter calls (recorded against the loopback fake).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { poolReport } from '../../../test/helpers/reports.js';
import { captureLogger, envOf, FakeSlack } from '../../../test/helpers/slack-fake.js';
import { SlackAdapter, slackClient } from './adapter.js';
import { botEvents, eventsPath, requiredScopes, slashCommand } from './app.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const manifest = (name: string) => parse(readFileSync(join(root, name), 'utf8')) as Manifest;

interface Manifest {
  display_information: { name: string };
  features: { bot_user: { display_name: string }; slash_commands: { command: string; url?: string; should_escape?: boolean }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url?: string; bot_events: string[] }; interactivity: { is_enabled: boolean; request_url?: string }; socket_mode_enabled: boolean };
}

// The scope each Web API method needs, from its page in Slack's reference.
const scopeOf: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};

describe('the Slack app manifests', () => {
  const http = manifest('slack-app-manifest.yaml');
  const socket = manifest('slack-app-manifest.socket.yaml');
  const slack = new FakeSlack();
  const called = new Set<string>();

  beforeAll(async () => {
    await slack.start();
    const adapter = new SlackAdapter(slackClient(envOf({ SLACK_BOT_TOKEN: 'xoxb-manifest', SLACK_API_URL: `${slack.url}api/` }), captureLogger([])));
    // Everything the bot does in Slack.
    const status = { job: 'j', service: 'order-api', seconds: 30, stage: 'queued' as const };
    const rootMessage = await adapter.postStatus('C1', status);
    await adapter.updateStatus(rootMessage, { ...status, stage: 'done' });
    await adapter.postReport(rootMessage, poolReport, { job: 'j' });
    await adapter.uploadImage(rootMessage, Buffer.from('png'), 'flame.png', 'flame graph');
    await adapter.reply('C1', 'text');
    await adapter.editNotice(await adapter.postNotice('C1', 'notice'), 'edited');
    for (const c of slack.calls) if (c.method !== 'upload') called.add(c.method);
  });
  afterAll(() => slack.close());

  it.each([
    ['slack-app-manifest.yaml', http],
    ['slack-app-manifest.socket.yaml', socket],
  ])('%s: the command, events and scopes the bot uses', (_name, m) => {
    expect(m.features.slash_commands.map((c) => c.command)).toEqual([slashCommand]);
    // Unescaped: the bot reads channel and user ids as Slack sends them.
    expect(m.features.slash_commands[0].should_escape).toBe(false);
    expect(m.settings.event_subscriptions.bot_events).toEqual([...botEvents]);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(called.size).toBeGreaterThan(2);
    for (const method of called) {
      expect(scopeOf[method], `${method}: add the scope it needs to the manifests and to scopeOf`).toBeDefined();
      expect(m.oauth_config.scopes.bot).toContain(scopeOf[method]);
    }
    expect(m.oauth_config.scopes.bot).toContain('commands');
    expect(m.oauth_config.scopes.bot).toContain('app_mentions:read');
    // Nothing asked for that the bot does not use; what doctor checks the token for is the same list.
    expect(new Set(m.oauth_config.scopes.bot)).toEqual(new Set(['commands', 'app_mentions:read', ...[...called].map((c) => scopeOf[c])]));
    expect(new Set(requiredScopes)).toEqual(new Set(m.oauth_config.scopes.bot));
  });

  it('over HTTP, Slack calls the one route the bot serves; in Socket Mode, no URL at all', () => {
    const urls = [http.features.slash_commands[0].url, http.settings.event_subscriptions.request_url, http.settings.interactivity.request_url];
    for (const u of urls) expect(new URL(u!).pathname).toBe(eventsPath);
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(JSON.stringify(socket)).not.toContain('url');
    // The same app otherwise.
    const strip = (m: Manifest): Manifest => {
      const c = structuredClone(m);
      for (const cmd of c.features.slash_commands) delete cmd.url;
      delete c.settings.event_subscriptions.request_url;
      delete c.settings.interactivity.request_url;
      c.settings.socket_mode_enabled = false;
      return c;
    };
    expect(strip(socket)).toEqual(strip(http));
  });
});

// Slack's way in: /rca, the report buttons and @mentions, acknowledged at
// once and handed to the inbox. Over HTTP on our own server, or Socket Mode.
//
// Mounting: Bolt's HTTPReceiver exposes `requestListener(req, res)`, which
// does everything for POST /slack/events (body limit → 413, signature and
// 5-minute staleness → 401, url_verification, ssl_check, ack → 200) without
// listening itself, so the route just hands the request to it; we never call
// its start(). Socket Mode gets its own receiver feeding the same App.
import { App, HTTPReceiver, SocketModeReceiver, type BlockAction, type ButtonAction, type Logger } from '@slack/bolt';
import { z } from 'zod';
import { actionIds } from '../../../templates/slack.js';
import type { Env } from '../../config/env.js';
import { send, type Route } from '../../server/http.js';
import type { ActionName, Inbox } from '../adapter.js';
import { SlackAdapter, slackClient, slackClientOptions } from './adapter.js';
import { boltLogger } from '../../telemetry/log.js';

export const eventsPath = '/slack/events';
/** What the app answers; slack-app-manifest*.yaml declare the same (a test holds them together). */
export const slashCommand = '/rca';
export const botEvents = ['app_mention'] as const;
/** The bot token's scopes: the command, the events, chat.postMessage/update and the file uploads. */
export const requiredScopes = ['commands', 'app_mentions:read', 'chat:write', 'files:write'];
export const bodyLimit = 1 << 20;

export interface Slack {
  adapter: SlackAdapter;
  /** POST /slack/events, to mount in our own node:http server. */
  route: Route;
  /** Connects Socket Mode when SLACK_APP_TOKEN is set; otherwise does nothing. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const buttonValue = z.object({ job: z.string().min(1), service: z.string().min(1) });

/** The text of a mention without the bot's own `<@U…>` (every user mention when the bot's id is unknown). */
export function stripMention(text: string, botUserIds: string[] = []): string {
  const ids = botUserIds.length ? botUserIds.join('|') : '[UW][A-Z0-9]+';
  return text.replace(new RegExp(`<@(?:${ids})(?:\\|[^>]*)?>`, 'g'), ' ').replace(/\s+/g, ' ').trim();
}

export function createSlack(env: Env, inbox: Inbox, opts: { logger?: Logger } = {}): Slack {
  const logger = opts.logger ?? (boltLogger() as Logger);
  const token = env.SLACK_BOT_TOKEN;
  const adapter = new SlackAdapter(slackClient(env, logger));
  if (!env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    throw new Error('Slack needs SLACK_SIGNING_SECRET (events over HTTP) or SLACK_APP_TOKEN (Socket Mode)');
  }
  const clientOptions = slackClientOptions(env, logger);
  const http = env.SLACK_SIGNING_SECRET
    ? new HTTPReceiver({ signingSecret: env.SLACK_SIGNING_SECRET, endpoints: eventsPath, bodyLimit, processBeforeResponse: false, logger })
    : undefined;
  const socket = env.SLACK_APP_TOKEN
    ? new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN, logger, installerOptions: { clientOptions } })
    : undefined;
  const app = new App({
    receiver: http ?? socket,
    // A single workspace: the token is all a listener needs. Bolt's token
    // authorization would call auth.test before the first ack (or on every
    // event with tokenVerificationEnabled: false).
    authorize: async () => ({ botToken: token }),
    clientOptions,
    convoStore: false,
    logger,
  });
  if (http && socket) socket.init(app);

  const fail = (what: string) => (e: unknown) => app.logger.error(`slack ${what} failed: ${e instanceof Error ? e.message : String(e)}`);

  app.command(slashCommand, async ({ command, ack }) => {
    await ack();
    await inbox
      .command({ platform: 'slack', channel: command.channel_id, user: command.user_id, text: command.text, key: command.trigger_id })
      .catch(fail('/rca'));
  });

  for (const [action, id] of Object.entries(actionIds) as [ActionName, string][]) {
    app.action<BlockAction<ButtonAction>>(id, async ({ ack, body, action: button }) => {
      await ack();
      let value: z.infer<typeof buttonValue> | undefined;
      try {
        value = buttonValue.parse(JSON.parse(button.value ?? ''));
      } catch {
        app.logger.warn(`slack ${id}: the button value is not {job, service}`);
        return;
      }
      if (!body.channel) return;
      await inbox
        .action({
          platform: 'slack',
          channel: body.channel.id,
          user: body.user.id,
          action,
          job: value.job,
          service: value.service,
          key: body.trigger_id || button.action_ts,
          thread: body.message?.thread_ts ?? body.message?.ts,
        })
        .catch(fail(id));
    });
  }

  // Events API retries (X-Slack-Retry-Num) go through like first deliveries:
  // Bolt acks events before any listener runs, so a retry means the first
  // delivery never reached us (restart, network) and dropping it would lose
  // the mention. event_id is the same on every retry and is the key the
  // pipeline dedupes on.
  app.event(botEvents[0], async ({ event, body }) => {
    if (!event.user) return;
    const bots = (body.authorizations ?? []).filter((a) => a.is_bot).map((a) => a.user_id);
    await inbox
      .command({
        platform: 'slack',
        channel: event.channel,
        user: event.user,
        text: stripMention(event.text, bots),
        key: body.event_id,
        thread: event.thread_ts ?? event.ts,
      })
      .catch(fail('app_mention'));
  });

  const route: Route = {
    method: 'POST',
    path: eventsPath,
    handler: (req, res) => {
      if (!http) return send(res, 404, 'Slack events over HTTP are off: SLACK_SIGNING_SECRET is not set\n');
      http.requestListener(req, res);
    },
  };

  return {
    adapter,
    route,
    start: async () => {
      await socket?.start();
    },
    stop: async () => {
      await socket?.stop();
    },
  };
}

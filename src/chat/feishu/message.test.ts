import { describe, expect, it } from 'vitest';
import { toAction, toCommand, type MessageEvent } from './message.js';

const BOT = 'ou_bot';
const botMention = { key: '@_user_1', id: { open_id: BOT }, name: 'rca-bot' };
const bob = { key: '@_user_2', id: { open_id: 'ou_bob' }, name: 'Bob' };

function message(text: string, over: Partial<NonNullable<MessageEvent['message']>> = {}, senderType = 'user'): MessageEvent {
  return {
    sender: { sender_id: { open_id: 'ou_alice' }, sender_type: senderType },
    message: { message_id: 'om_1', chat_id: 'oc_1', chat_type: 'group', message_type: 'text', content: JSON.stringify({ text }), mentions: [botMention], ...over },
  };
}

describe('toCommand', () => {
  it('strips the bot mention and answers in the message thread', () => {
    expect(toCommand('ev1', message('@_user_1  /rca order-api 30s'), BOT)).toEqual({ platform: 'feishu', channel: 'oc_1', user: 'ou_alice', text: '/rca order-api 30s', key: 'ev1', thread: 'om_1' });
  });

  it('ignores a group message that mentions someone else', () => {
    expect(toCommand('ev1', message('@_user_2 /rca-ish chatter', { mentions: [bob] }), BOT)).toBeUndefined();
  });

  it('takes anything in a one-to-one chat, and a native /rca slash command in a group', () => {
    expect(toCommand('ev1', message('/rca help', { chat_type: 'p2p', mentions: [] }))?.text).toBe('/rca help');
    expect(toCommand('ev1', message('order-api', { chat_type: 'p2p', mentions: [] }))?.text).toBe('order-api');
    expect(toCommand('ev1', message('/rca services', { mentions: [] }))?.text).toBe('/rca services');
  });

  it('ignores bots, apps and non-text messages', () => {
    expect(toCommand('ev1', message('@_user_1 /rca order-api', {}, 'app'), BOT)).toBeUndefined();
    expect(toCommand('ev1', message('x', { message_type: 'image', content: '{"image_key":"img"}' }), BOT)).toBeUndefined();
    expect(toCommand('ev1', message('x', { content: 'not json' }), BOT)).toBeUndefined();
  });

  it('without the bot id a mention alone is not enough', () => {
    expect(toCommand('ev1', message('@_user_1 order-api'), undefined)).toBeUndefined();
  });
});

describe('toAction', () => {
  const press = (value: unknown) => ({ operator: { open_id: 'ou_alice' }, action: { tag: 'button', value }, context: { open_message_id: 'om_report', open_chat_id: 'oc_1' } });

  it('reads {action, job, service} as templates/feishu.ts sets it', () => {
    expect(toAction('ev2', press({ action: 'compare', job: 'j1', service: 'order-api' }))).toEqual({
      platform: 'feishu', channel: 'oc_1', user: 'ou_alice', action: 'compare', job: 'j1', service: 'order-api', key: 'ev2', thread: 'om_report',
    });
    expect(toAction('ev2', press('{"action":"resolve","job":"j1","service":"order-api"}'))?.action).toBe('resolve');
  });

  it('refuses unknown actions and missing fields', () => {
    expect(toAction('ev2', press({ action: 'delete', job: 'j1', service: 'order-api' }))).toBeUndefined();
    expect(toAction('ev2', press({ action: 'rerun', job: 'j1' }))).toBeUndefined();
    expect(toAction('ev2', press('nope'))).toBeUndefined();
  });
});

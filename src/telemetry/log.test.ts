import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { addSecrets, boltLogger, createLogger, larkLogger } from './log.js';

function capture(format: 'json' | 'pretty') {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return { logger: createLogger({ destination: out, format, level: 'debug' }), lines };
}

describe("the bot's logger", () => {
  it('writes JSON lines with the level by name, and no trace ids outside a span', () => {
    const { logger, lines } = capture('json');
    logger.info({ job: 'rca-slack-1', service: 'order-api' }, 'diagnosis queued');
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', name: 'rca-bot', job: 'rca-slack-1', service: 'order-api', msg: 'diagnosis queued' });
    expect(line).not.toHaveProperty('trace_id');
  });

  it('never prints a configured secret, in a message, a field or an error, nor credential keys', () => {
    addSecrets(['xoxb-never-logged-1234', 'short']);
    const { logger, lines } = capture('json');
    logger.warn('Slack answered 401 for token xoxb-never-logged-1234');
    logger.error({ err: new Error('auth xoxb-never-logged-1234 refused'), url: 'https://x/?t=xoxb-never-logged-1234' }, 'failed');
    logger.info({ headers: { authorization: 'Bearer abc.def' }, token: 'tok-abcdef' }, 'request');
    const text = lines.join('\n');
    expect(text).not.toContain('xoxb-never-logged-1234');
    expect(text).not.toContain('Bearer abc.def');
    expect(text).not.toContain('tok-abcdef');
    expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(5);
  });

  it("never prints an HTTP client error's request headers (the Lark SDK logs the whole AxiosError)", () => {
    const { logger, lines } = capture('json');
    const axiosLike = Object.assign(new Error('Request failed with status code 400'), { code: 'ERR_BAD_REQUEST', config: { headers: { Authorization: 'Bearer t-runtime-token-123' } }, request: { _header: 'Authorization: Bearer t-runtime-token-123' }, response: { status: 400 } });
    larkLogger(logger).error([axiosLike]);
    logger.error({ err: axiosLike }, 'feishu long connection failed');
    expect(lines.join('\n')).not.toContain('t-runtime-token-123');
    expect(JSON.parse(lines[1]) as unknown).toMatchObject({ err: { type: 'Error', message: 'Request failed with status code 400', code: 'ERR_BAD_REQUEST', status: 400 } });
  });

  it("carries Bolt's and the Lark SDK's log calls as its own lines", () => {
    const { logger, lines } = capture('json');
    boltLogger(logger).error('socket mode', new Error('disconnected'));
    larkLogger(logger).warn(['[ws]', 'reconnect in', 5, 's']);
    expect(lines.map((l) => JSON.parse(l) as { level: string; msg: string })).toMatchObject([
      { level: 'error', msg: 'socket mode disconnected' },
      { level: 'warn', msg: '[ws] reconnect in 5 s' },
    ]);
  });

  it('is readable text, not JSON, for a terminal', () => {
    const { logger, lines } = capture('pretty');
    logger.info({ service: 'order-api' }, 'diagnosis queued');
    expect(lines[0]).toMatch(/INFO.*diagnosis queued/);
    expect(() => JSON.parse(lines[0])).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { describeEnv, readEnv } from './env.js';

describe('environment', () => {
  it('has working defaults with nothing set', () => {
    const r = readEnv({});
    if (!r.ok) throw new Error(r.error);
    expect(r.value).toMatchObject({ PORT: 3000, REDIS_URL: 'redis://127.0.0.1:6379', RCA_CONFIG: 'rca.config.yaml', SLACK_API_URL: 'https://slack.com/api/', FEISHU_DOMAIN: 'feishu' });
    expect(r.value.SLACK_BOT_TOKEN).toBeUndefined();
  });

  it('a bad value names the variable', () => {
    expect(readEnv({ PORT: 'eighty' })).toEqual({ ok: false, error: expect.stringMatching(/^environment variable PORT: /) });
    expect(readEnv({ REDIS_URL: 'localhost:6379' })).toEqual({ ok: false, error: 'environment variable REDIS_URL: expected a redis:// or rediss:// URL' });
  });

  it('never shows a secret', () => {
    const r = readEnv({ SLACK_BOT_TOKEN: 'xoxb-secret', SLACK_SIGNING_SECRET: 'shh', FEISHU_APP_ID: 'cli_1' });
    if (!r.ok) throw new Error(r.error);
    const shown = JSON.stringify(describeEnv(r.value));
    expect(shown).not.toContain('xoxb-secret');
    expect(shown).not.toContain('shh');
    expect(describeEnv(r.value)).toMatchObject({ SLACK_BOT_TOKEN: 'set', SLACK_APP_TOKEN: 'unset', FEISHU_APP_ID: 'cli_1' });
  });
});

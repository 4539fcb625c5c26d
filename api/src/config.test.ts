import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '#shared';
import { DEFAULT_CONSOLE_DIR } from './console/settings.ts';
import { parseApiConfig } from './config.ts';

const REQUIRED = {
  DATABASE_URL: 'postgres://zajoni:secret@db:5432/zajoni',
  NATS_URL: 'nats://nats:4222',
};

describe('parseApiConfig', () => {
  it('applies the documented defaults', () => {
    assert.deepEqual(parseApiConfig(REQUIRED), {
      ...REQUIRED,
      API_HOST: '127.0.0.1',
      API_PORT: 4000,
      LOG_LEVEL: 'info',
      MESSAGE_LIFETIME_MS: 5 * 86_400_000,
      QUOTA_DAILY_LIMIT: 50,
      QUOTA_WINDOW_MS: 86_400_000,
      RETENTION_INTERVAL_MS: 3_600_000,
      RETENTION_BATCH_SIZE: 500,
      CONSOLE_DIR: DEFAULT_CONSOLE_DIR,
      SMTP_STARTTLS_PORT: 587,
      SMTP_TLS_PORT: 465,
      CONSOLE_URL: 'http://127.0.0.1:4000',
      ACCOUNT_MAIL_FROM: 'postmaster@localhost',
      SESSION_TTL_SECONDS: 604_800,
      RESET_TOKEN_TTL_SECONDS: 3600,
      VERIFY_TOKEN_TTL_SECONDS: 86_400,
      ACCOUNT_MAILS_PER_ADDRESS: 5,
      ACCOUNT_MAILS_PER_CLIENT: 20,
      ACCOUNT_MAIL_WINDOW_SECONDS: 3600,
      AUTH_FAILURE_WINDOW_SECONDS: 900,
      AUTH_FAILURES_PER_ACCOUNT: 10,
      AUTH_FAILURES_PER_ADDRESS: 50,
      AUTH_CACHE_SECONDS: 300,
    });
  });

  it('accepts an IPv6 bind address', () => {
    assert.equal(parseApiConfig({ ...REQUIRED, API_HOST: '::' }).API_HOST, '::');
  });

  it('turns the SMTP AUTH cache off with 0 and refuses a negative time', () => {
    assert.equal(parseApiConfig({ ...REQUIRED, AUTH_CACHE_SECONDS: '0' }).AUTH_CACHE_SECONDS, 0);
    assert.throws(
      () => parseApiConfig({ ...REQUIRED, AUTH_CACHE_SECONDS: '-1' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems[0]?.startsWith('AUTH_CACHE_SECONDS:') === true,
    );
  });

  it('names every bad variable at once', () => {
    const env = { NATS_URL: 'http://nats', API_PORT: '0', API_HOST: 'a b', LOG_LEVEL: 'loud' };
    assert.throws(
      () => parseApiConfig(env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(
          error.problems.map((p) => p.split(':')[0]),
          ['DATABASE_URL', 'NATS_URL', 'API_HOST', 'API_PORT', 'LOG_LEVEL'],
        );
        assert.equal(error.problems[0], 'DATABASE_URL: is required');
        assert.equal(error.problems[1], 'NATS_URL: must be a nats:// or tls:// URL');
        return true;
      },
    );
  });

  it('never puts a value, such as a password in a URL, into a problem', () => {
    assert.throws(
      () => parseApiConfig({ ...REQUIRED, DATABASE_URL: 'mysql://u:hunter2@db/x' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
    );
  });
});

import { z } from 'zod';
import { envPort, envPositiveInt, hostNameSchema, parseEnv } from '#shared';
import { DEFAULT_AUTH_CACHE_SECONDS } from './accounts/verified-passwords.ts';
import { consoleSettingsShape } from './console/settings.ts';
import { messageSettingsShape } from './messages/settings.ts';

/** pino's level names, plus `silent` to turn logging off. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Default address the HTTP server binds: loopback, so exposing it is a deliberate choice. */
export const DEFAULT_API_HOST = '127.0.0.1';

/** Default HTTP port of the GraphQL server. */
export const DEFAULT_API_PORT = 4000;

/** Error text for a required URL: "is required" when unset, else what it must look like. */
function urlError(expected: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : expected);
}

const databaseUrl = z.url({
  protocol: /^postgres(ql)?$/,
  error: urlError('must be a postgres:// or postgresql:// URL'),
});

const natsUrl = z.url({
  protocol: /^(nats|tls)$/,
  error: urlError('must be a nats:// or tls:// URL'),
});

const consoleUrl = z.url({
  protocol: /^https?$/,
  error: 'must be an http:// or https:// URL',
});

const mailFrom = z.email({ error: 'must be a mail address' });

const apiHost = z.union([hostNameSchema, z.ipv6()], {
  error: 'must be a host name or an IP address',
});

/**
 * The API server's settings, read from these variables:
 * - `DATABASE_URL` (required): PostgreSQL connection string, `postgres://user:pass@host:port/db`.
 * - `NATS_URL` (required): NATS server, `nats://host:4222`.
 * - `API_HOST` (default `127.0.0.1`): address the HTTP server binds.
 * - `API_PORT` (default 4000): HTTP port; `/graphql` and `/healthz` are served there.
 * - `LOG_LEVEL` (default `info`): pino level.
 * - the message log's settings: see messages/settings.ts.
 * - the web console's settings: see console/settings.ts.
 * - `CONSOLE_URL` (default `http://127.0.0.1:4000`): base of the links in account mails; a reset
 *   link is `${CONSOLE_URL}/reset?token=…`.
 * - `ACCOUNT_MAIL_FROM` (default `postmaster@localhost`): From of password-reset, username and
 *   verification mails; set it to an address of the relay's domain.
 * - `VERIFY_TOKEN_TTL_SECONDS` (default 1 day): lifetime of a sign-up's verification link; a
 *   pending account whose links have all expired is deleted by the retention job.
 * - `ACCOUNT_MAILS_PER_ADDRESS` (default 5), `ACCOUNT_MAILS_PER_CLIENT` (default 20),
 *   `ACCOUNT_MAIL_WINDOW_SECONDS` (default 3600): reset, username and verification mails
 *   allowed per target address and per client IP within the window; more is RATE_LIMITED.
 * - `SESSION_TTL_SECONDS` (default 7 days): lifetime of a signIn session.
 * - `RESET_TOKEN_TTL_SECONDS` (default 1 hour): lifetime of a password-reset link.
 * - `AUTH_FAILURE_WINDOW_SECONDS` (default 900): window of the failed-attempt limits; a locked
 *   account or address is released when its window ends.
 * - `AUTH_FAILURES_PER_ACCOUNT` (default 10), `AUTH_FAILURES_PER_ADDRESS` (default 50): failed
 *   sign-ins plus failed SMTP AUTH allowed per account, and per client IP, within the window.
 * - `AUTH_CACHE_SECONDS` (default 300): how long a password found right for SMTP AUTH is
 *   remembered, so the next login of the same account with it skips the argon2 verify (a mail
 *   client logs in per connection); 0 turns it off. See accounts/verified-passwords.ts.
 * - `PLATFORM_ADMIN_TOKEN_FILE` (default unset): file holding a platform admin token (one line,
 *   at least 32 characters), read once at start, e.g. a mounted Secret. A Bearer request with it
 *   is a platform admin with no row in PostgreSQL; the Helm chart gives the operator the same
 *   token. Only its hash is kept in memory. An unreadable file or a short token stops the start.
 */
export const apiConfigSchema = z.object({
  DATABASE_URL: databaseUrl,
  NATS_URL: natsUrl,
  API_HOST: apiHost.default(DEFAULT_API_HOST),
  API_PORT: envPort(DEFAULT_API_PORT),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  ...messageSettingsShape,
  ...consoleSettingsShape,
  CONSOLE_URL: consoleUrl.default('http://127.0.0.1:4000'),
  ACCOUNT_MAIL_FROM: mailFrom.default('postmaster@localhost'),
  SESSION_TTL_SECONDS: envPositiveInt(7 * 24 * 3600),
  RESET_TOKEN_TTL_SECONDS: envPositiveInt(3600),
  VERIFY_TOKEN_TTL_SECONDS: envPositiveInt(24 * 3600),
  ACCOUNT_MAILS_PER_ADDRESS: envPositiveInt(5),
  ACCOUNT_MAILS_PER_CLIENT: envPositiveInt(20),
  ACCOUNT_MAIL_WINDOW_SECONDS: envPositiveInt(3600),
  AUTH_FAILURE_WINDOW_SECONDS: envPositiveInt(900),
  AUTH_FAILURES_PER_ACCOUNT: envPositiveInt(10),
  AUTH_FAILURES_PER_ADDRESS: envPositiveInt(50),
  AUTH_CACHE_SECONDS: z.coerce.number().int().min(0).default(DEFAULT_AUTH_CACHE_SECONDS),
  PLATFORM_ADMIN_TOKEN_FILE: z.string().min(1).optional(),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;

/**
 * The admin CLI's settings: `DATABASE_URL` (required) and `LOG_LEVEL` (default `warn`, so the
 * CLI's own lines are not buried under JSON logs).
 */
export const adminConfigSchema = z.object({
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('warn'),
});
export type AdminConfig = z.infer<typeof adminConfigSchema>;

/** Reads the API's settings; throws ConfigError naming every bad variable. */
export function parseApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(apiConfigSchema, env);
}

/** Reads the admin CLI's settings; throws ConfigError naming every bad variable. */
export function parseAdminConfig(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  return parseEnv(adminConfigSchema, env);
}

import { hostname } from 'node:os';
import { z } from 'zod';
import { envFlag, envPort, envPositiveInt, hostNameSchema, parseEnv, TENANT_ID } from '#shared';

const DAY_MS = 24 * 3_600_000;

/**
 * The relay's settings, one environment variable each. Every default is the value a production
 * relay should run with; local runs override ports, DNS and the delivery port.
 */
const relayEnvSchema = z.object({
  /** Tenant this relay serves; a DNS label. */
  TENANT: z.string().regex(TENANT_ID, { message: 'must be a DNS label (a-z, 0-9, -)' }),
  /** NATS server URL(s), comma-separated. Required: there is no local fallback. */
  NATS_URL: z.string().min(1),
  /** Name in the banner, in EHLO to recipients' servers and in Received headers. */
  RELAY_HOSTNAME: hostNameSchema.default(hostname()),
  /** Address to listen on for submission. */
  SUBMISSION_HOST: z.string().default('0.0.0.0'),
  /** Submission port with STARTTLS (RFC 6409). */
  SUBMISSION_PORT: envPort(587),
  /** Submission port with implicit TLS (RFC 8314). */
  SUBMISSIONS_PORT: envPort(465),
  /** PEM key and certificate files; both or neither. Without them, RELAY_SELF_SIGNED must be on. */
  TLS_KEY_FILE: z.string().optional(),
  TLS_CERT_FILE: z.string().optional(),
  /** Generate a self-signed certificate at start: for local runs only. */
  RELAY_SELF_SIGNED: envFlag(false),
  /** Allow AUTH without TLS: for local runs only. */
  RELAY_ALLOW_INSECURE_AUTH: envFlag(false),
  /** Largest message accepted, in octets (advertised with SIZE). Default 25 MiB. */
  MAX_MESSAGE_SIZE: envPositiveInt(25 * 1024 * 1024),
  /** Most recipients per message. */
  MAX_RECIPIENTS: envPositiveInt(50),
  /** Messages per user per rolling window. */
  DAILY_LIMIT: envPositiveInt(50),
  /**
   * JSON policy file (messagesPerDay, recipientsPerMessage, maxMessageSize) re-read whenever it
   * changes; it overrides DAILY_LIMIT, MAX_RECIPIENTS and MAX_MESSAGE_SIZE without a restart.
   * Set by the Kubernetes operator; unset, the three variables apply.
   */
  RELAY_POLICY_FILE: z.string().min(1).optional(),
  /** Length of the rolling quota window, in ms. Default 24 hours. */
  QUOTA_WINDOW_MS: envPositiveInt(DAY_MS),
  /** Port recipients' servers are reached on; 25 except in local runs and tests. */
  DELIVERY_PORT: envPort(25),
  /**
   * Deliver to MX addresses that are loopback, private (RFC 1918, ULA), link-local, unspecified
   * or multicast. Off by default, so that an MX record cannot reach the relay's own network
   * (those recipients fail with 5.4.4); local runs and tests turn it on.
   */
  DELIVERY_ALLOW_PRIVATE_ADDRESSES: envFlag(false),
  /** DNS servers for MX look-ups (ip or ip:port, comma-separated); the system's when empty. */
  DNS_SERVERS: z.string().default(''),
  /** Parallel deliveries per relay process. */
  DELIVERY_CONCURRENCY: envPositiveInt(4),
  /** How long a delivery may go unacknowledged before another replica takes it over, in ms. */
  DELIVERY_ACK_WAIT_MS: envPositiveInt(60_000),
  /** How long a message is retried before it expires, in ms. Default 5 days. */
  MESSAGE_LIFETIME_MS: envPositiveInt(5 * DAY_MS),
  /** Wait before the first retry, in ms; it doubles each round. Default 5 minutes. */
  RETRY_MIN_BACKOFF_MS: envPositiveInt(300_000),
  /** Longest wait between retries the relay picks itself, in ms. Default 1 hour. */
  RETRY_MAX_BACKOFF_MS: envPositiveInt(3_600_000),
  /** Age at which the sender is told, once, that delivery is delayed, in ms. Default 4 hours. */
  DELAY_NOTICE_AFTER_MS: envPositiveInt(4 * 3_600_000),
  /** TCP connect timeout to a recipient's server, in ms. Default 30 s. */
  SMTP_CONNECT_TIMEOUT_MS: envPositiveInt(30_000),
  /** Wait for the 220 banner and for the TLS handshake, in ms (RFC 5321 4.5.3.2.1: 5 min). */
  SMTP_GREETING_TIMEOUT_MS: envPositiveInt(300_000),
  /** Wait for the reply to MAIL, in ms (RFC 5321 4.5.3.2.2: 5 min); also EHLO, STARTTLS, RSET. */
  SMTP_MAIL_TIMEOUT_MS: envPositiveInt(300_000),
  /** Wait for the reply to each RCPT, in ms (RFC 5321 4.5.3.2.3: 5 min). */
  SMTP_RCPT_TIMEOUT_MS: envPositiveInt(300_000),
  /** Wait for the reply to DATA, in ms (RFC 5321 4.5.3.2.4: 2 min). */
  SMTP_DATA_INIT_TIMEOUT_MS: envPositiveInt(120_000),
  /** Longest stall while writing the message, in ms (RFC 5321 4.5.3.2.5: 3 min). */
  SMTP_DATA_BLOCK_TIMEOUT_MS: envPositiveInt(180_000),
  /** Wait for the reply to the final dot, in ms (RFC 5321 4.5.3.2.6: 10 min). */
  SMTP_END_OF_DATA_TIMEOUT_MS: envPositiveInt(600_000),
  /** Address receipts are sent from. Default postmaster@RELAY_HOSTNAME. */
  CONFIRMATION_FROM: z.email().optional(),
  /** Timeout for the API's answer to an AUTH check, in ms. */
  AUTH_TIMEOUT_MS: envPositiveInt(5_000),
  /** Port of the Prometheus `/metrics` listener; no listener when unset. */
  METRICS_PORT: envPort().optional(),
  /** Address the metrics listener binds. */
  METRICS_HOST: z.string().default('0.0.0.0'),
});

export type RelayConfig = z.infer<typeof relayEnvSchema> & { dnsServers: string[] };

/** Reads and validates the relay's environment; throws ConfigError naming every problem. */
export function loadRelayConfig(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const schema = relayEnvSchema.superRefine((value, ctx) => {
    if (Boolean(value.TLS_KEY_FILE) !== Boolean(value.TLS_CERT_FILE)) {
      ctx.addIssue({ code: 'custom', path: ['TLS_CERT_FILE'], message: 'set with TLS_KEY_FILE' });
    }
    if (value.RETRY_MAX_BACKOFF_MS < value.RETRY_MIN_BACKOFF_MS) {
      const message = 'must be at least RETRY_MIN_BACKOFF_MS';
      ctx.addIssue({ code: 'custom', path: ['RETRY_MAX_BACKOFF_MS'], message });
    }
    if (!value.TLS_KEY_FILE && !value.RELAY_SELF_SIGNED) {
      const message = 'set TLS_KEY_FILE and TLS_CERT_FILE, or RELAY_SELF_SIGNED=true for local use';
      ctx.addIssue({ code: 'custom', path: ['TLS_KEY_FILE'], message });
    }
  });
  const config = parseEnv(schema, env);
  const dnsServers = config.DNS_SERVERS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { ...config, dnsServers };
}

import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { BODY_BUCKET, QUOTA_BUCKET, createQuota } from '#shared';
import type { ApiConfig } from '../config.ts';
import type { ConsoleResolverDeps } from './resolvers.ts';
import { DEFAULT_CONSOLE_DIR } from './settings.ts';
import { createTestMessageSender } from './test-message.ts';

/** What the server needs to serve the console: its settings and the test-message path. */
export type ConsoleServices = ConsoleResolverDeps;

/**
 * The console's services of a running API. The quota bucket is created with the relay's
 * settings when no relay has made it yet (creating an existing bucket opens it).
 */
export async function createConsoleServices(
  nc: NatsConnection,
  config: ApiConfig,
): Promise<ConsoleServices> {
  const bodies = await new Objm(nc).create(BODY_BUCKET);
  const kv = await new Kvm(nc).create(QUOTA_BUCKET, { history: 1 });
  const policy = { limit: config.QUOTA_DAILY_LIMIT, windowMs: config.QUOTA_WINDOW_MS };
  return {
    settings: {
      dir: config.CONSOLE_DIR,
      tenant: config.CONSOLE_TENANT,
      smtpHost: config.SMTP_HOST,
      startTlsPort: config.SMTP_STARTTLS_PORT,
      tlsPort: config.SMTP_TLS_PORT,
    },
    dailyLimit: config.QUOTA_DAILY_LIMIT,
    testMessages: createTestMessageSender(
      jetstream(nc),
      bodies,
      createQuota(kv, () => policy),
    ),
  };
}

/** Console services for a server without NATS (tests of the HTTP layer): no test messages. */
export function createOfflineConsoleServices(
  settings: Partial<ConsoleServices['settings']> = {},
): ConsoleServices {
  return {
    settings: {
      dir: DEFAULT_CONSOLE_DIR,
      tenant: undefined,
      smtpHost: undefined,
      startTlsPort: 587,
      tlsPort: 465,
      ...settings,
    },
    dailyLimit: 50,
    testMessages: undefined,
  };
}

import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '#shared';
import { startAuthResponder } from './accounts/auth-responder.ts';
import { createAccountServices } from './accounts/services.ts';
import { createVerifiedPasswords } from './accounts/verified-passwords.ts';
import { createConsoleServices } from './console/services.ts';
import type { ApiConfig } from './config.ts';
import { ShutdownError } from './errors.ts';
import { runMigrations } from './db/migrate.ts';
import { APP_ROLE, createPool } from './db/pool.ts';
import { GRAPHQL_PATH, createApiYoga } from './http/yoga.ts';
import { startHttpServer } from './http/server.ts';
import { startIngest, type IngestOptions } from './ingest/consumer.ts';
import { startRetention } from './messages/retention.ts';

export interface RunningApi {
  /** Base URL of the HTTP server; GraphQL is at `${url}/graphql`. */
  readonly url: string;
  /**
   * Shuts down in dependency order: stop taking HTTP requests, stop answering AUTH checks,
   * drain the transcript consumer, then close NATS and the database pool.
   */
  stop(): Promise<void>;
}

type Cleanup = () => Promise<unknown>;

/**
 * Starts the whole API: migrations, database pool, NATS, transcript ingest, AUTH responder and
 * HTTP server. If a step fails, what was started is closed again before the error is thrown.
 */
export async function startApi(
  config: ApiConfig,
  log: Logger,
  options: IngestOptions = {},
): Promise<RunningApi> {
  const cleanups: Cleanup[] = [];
  try {
    // The schema must be current before any replica reads or writes.
    await runMigrations(config.DATABASE_URL, log);

    // Row-level security applies to this role (migrations run as the login role, the owner).
    const pool = createPool(config.DATABASE_URL, log, { role: APP_ROLE });
    cleanups.unshift(() => pool.end());

    const nc = await connectNats(config.NATS_URL, log);
    cleanups.unshift(() => nc.drain());

    const accounts = await createAccountServices(nc, pool, config);

    const ingest = await startIngest(nc, pool, log, options);
    cleanups.unshift(() => ingest.stop());

    const verified = createVerifiedPasswords(config.AUTH_CACHE_SECONDS);
    const auth = startAuthResponder(nc, pool, log, accounts.limiter, verified);
    cleanups.unshift(() => auth.stop());

    const retention = startRetention(pool, log, {
      intervalMs: config.RETENTION_INTERVAL_MS,
      batchSize: config.RETENTION_BATCH_SIZE,
    });
    cleanups.unshift(() => retention.stop());

    const yoga = createApiYoga(
      pool,
      log,
      {
        nc,
        lifetimeMs: config.MESSAGE_LIFETIME_MS,
        quota: { limit: config.QUOTA_DAILY_LIMIT, windowMs: config.QUOTA_WINDOW_MS },
      },
      accounts,
      await createConsoleServices(nc, config),
    );
    const http = await startHttpServer(yoga, config.API_HOST, config.API_PORT);
    cleanups.unshift(() => http.close());

    log.info({ url: `${http.url}${GRAPHQL_PATH}` }, 'api listening');
    return { url: http.url, stop: () => runCleanups(cleanups) };
  } catch (error) {
    await runCleanups(cleanups).catch((cleanupError: unknown) =>
      log.warn({ err: cleanupError }, 'cannot close what was started'),
    );
    throw error;
  }
}

async function connectNats(url: string, log: Logger): Promise<NatsConnection> {
  // A server keeps reconnecting for as long as it runs: ingest and AUTH resume on their own.
  // noAsyncTraces: no Error with a stack trace built up front for every request (see the relay).
  const nc = await connect({
    servers: url,
    name: 'zajoni-api',
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
  });
  void nc.closed().then((error) => {
    if (error) log.error({ err: error }, 'nats connection closed');
  });
  return nc;
}

/** Runs every cleanup in order even if one fails; throws the first failure afterwards. */
async function runCleanups(cleanups: readonly Cleanup[]): Promise<void> {
  let first: unknown;
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw new ShutdownError('cannot shut down cleanly', { cause: first });
}

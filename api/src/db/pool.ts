import { Pool, type PoolClient } from 'pg';
import type { Logger } from '#shared';

/** Anything that runs a query: the pool, or one client inside a transaction. */
export type Db = Pool | PoolClient;

/** How long a query waits for a database connection before failing (ms). */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The role the API server's connections act as (created by the migrations): it owns nothing and
 * cannot bypass row-level security, so tenant-scoped tables show it only the rows of the tenant
 * its transaction names (see db/tenant-scope.ts).
 */
export const APP_ROLE = 'zajoni_app';

export interface PoolOptions {
  /**
   * Role every connection switches to at start (`SET ROLE`), e.g. APP_ROLE. Default: stay the
   * login role, which owns the tables and is not restricted by row-level security (migrations,
   * the admin CLI, tests that inspect rows).
   */
  readonly role?: string;
}

/**
 * Opens the connection pool. Errors on idle clients (server restart, network cut) are logged
 * rather than crashing the process; pg replaces those clients on the next checkout.
 */
export function createPool(databaseUrl: string, log: Logger, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    application_name: 'zajoni-api',
    // A startup parameter rather than a query after connect: no checkout can run before it.
    ...(options.role ? { options: `-c role=${options.role}` } : {}),
    // Fail a checkout instead of hanging when the server is unreachable: ingest then naks and
    // retries, and a GraphQL request gets an error rather than a timeout at the client.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection failed'));
  return pool;
}

/**
 * Runs `work` inside one transaction on one client: COMMIT when it resolves, ROLLBACK when it
 * throws. `work` may return `rollback` to discard its writes without failing.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient, rollback: () => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let discard = false;
  try {
    await client.query('BEGIN');
    const result = await work(client, () => {
      discard = true;
    });
    await client.query(discard ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** PostgreSQL SQLSTATE of a failed query, when the error came from the server. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** SQLSTATE codes the API branches on (PostgreSQL appendix A). */
export const SQL_STATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  insufficientPrivilege: '42501',
} as const;

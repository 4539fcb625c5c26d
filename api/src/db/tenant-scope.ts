import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './pool.ts';

/**
 * Setting the row-level security policies of tenant-scoped tables compare `tenant_id` with
 * (migration 1764892800200). Unset, no row is visible or writable.
 */
export const TENANT_SETTING = 'zajoni.tenant';

/**
 * Runs `work` in one transaction whose tenant-scoped reads and writes are limited to `tenant` by
 * PostgreSQL itself: the second isolation layer behind the queries' own tenant and user
 * conditions. The setting is transaction-local (`set_config(…, true)`), so it never leaks to the
 * next use of the pooled connection. Every query of messages, recipients and attempts goes
 * through here, ingest and retention included (each names the tenant it writes explicitly).
 */
export function withTenant<T>(
  pool: Pool,
  tenant: string,
  work: (client: PoolClient, rollback: () => void) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (client, rollback) => {
    await client.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, tenant]);
    return work(client, rollback);
  });
}

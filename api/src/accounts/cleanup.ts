import type { Pool } from 'pg';
import type { Logger } from '#shared';

/**
 * Account rows nobody can use any more, each as one batch: at most $1 rows, locked with SKIP
 * LOCKED so a replica running the same job, or a request touching a row, never waits. The batch
 * is a materialized CTE so the LIMIT holds (see messages/retention.ts).
 */
const CLEANUPS = [
  {
    // rate-limiter-flexible's counters whose window ended (expire is epoch milliseconds).
    table: 'auth_failures',
    sql: `WITH batch AS MATERIALIZED (
            SELECT key FROM auth_failures
             WHERE expire < (extract(epoch FROM clock_timestamp()) * 1000)::bigint
             LIMIT $1 FOR UPDATE SKIP LOCKED)
          DELETE FROM auth_failures t USING batch WHERE t.key = batch.key`,
  },
  {
    table: 'sessions',
    sql: `WITH batch AS MATERIALIZED (
            SELECT token_hash FROM sessions WHERE expires_at <= now()
             LIMIT $1 FOR UPDATE SKIP LOCKED)
          DELETE FROM sessions t USING batch WHERE t.token_hash = batch.token_hash`,
  },
  {
    table: 'password_resets',
    sql: `WITH batch AS MATERIALIZED (
            SELECT token_hash FROM password_resets
             WHERE expires_at <= now() OR used_at IS NOT NULL
             LIMIT $1 FOR UPDATE SKIP LOCKED)
          DELETE FROM password_resets t USING batch WHERE t.token_hash = batch.token_hash`,
  },
  {
    table: 'address_verifications',
    sql: `WITH batch AS MATERIALIZED (
            SELECT token_hash FROM address_verifications
             WHERE expires_at <= now() OR used_at IS NOT NULL
             LIMIT $1 FOR UPDATE SKIP LOCKED)
          DELETE FROM address_verifications t USING batch WHERE t.token_hash = batch.token_hash`,
  },
  {
    // A sign-up never verified whose every link has expired: the address is free again. A new
    // sign-up inserts the account and its link in one transaction, so none is caught between.
    table: 'users',
    sql: `WITH batch AS MATERIALIZED (
            SELECT id FROM users u
             WHERE u.verified_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM address_verifications v
                                WHERE v.user_id = u.id AND v.used_at IS NULL
                                  AND v.expires_at > now())
             LIMIT $1 FOR UPDATE SKIP LOCKED)
          DELETE FROM users t USING batch WHERE t.id = batch.id`,
  },
] as const;

/**
 * Deletes expired failed-attempt and mail-limit counters, expired sessions, used or expired
 * reset and verification links, and pending sign-ups whose links have all expired: `batchSize`
 * rows per statement (each its own short transaction), table after table, until a batch comes
 * back short. Returns the rows deleted per table.
 */
export async function purgeExpiredAccountRows(
  pool: Pool,
  batchSize: number,
  log: Logger,
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const { table, sql } of CLEANUPS) {
    deleted[table] = 0;
    for (;;) {
      const { rowCount } = await pool.query(sql, [batchSize]);
      const batch = rowCount ?? 0;
      deleted[table] += batch;
      log.debug({ table, batch }, 'account cleanup batch');
      if (batch < batchSize) break;
    }
  }
  return deleted;
}

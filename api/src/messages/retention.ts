import type { Pool } from 'pg';
import type { Logger } from '#shared';
import { purgeExpiredAccountRows } from '../accounts/cleanup.ts';
import { withTenant } from '../db/tenant-scope.ts';

export interface RetentionOptions {
  /** Pause between the end of one run and the start of the next (ms). */
  readonly intervalMs: number;
  /** Messages (and expired account rows) deleted per transaction. */
  readonly batchSize: number;
}

export interface RetentionJob {
  /**
   * Runs one full pass now: every tenant, batch after batch, then the expired account rows
   * (accounts/cleanup.ts). Returns the messages deleted.
   */
  runOnce(): Promise<number>;
  /** Stops scheduling; resolves once a run in progress has finished its current batch. */
  stop(): Promise<void>;
}

/**
 * Deletes a batch of one tenant's messages submitted more than its retention_days ago, with
 * their recipients and attempts (ON DELETE CASCADE). SKIP LOCKED passes over a message that
 * ingest holds (it locks the message row first), so retention never waits on ingest, and ingest
 * waits at most for one short batch. The batch is a materialized CTE: as `IN (SELECT … LIMIT)`
 * the planner may rescan the subquery and delete more than the limit in one statement.
 */
const DELETE_BATCH = `
  WITH batch AS MATERIALIZED (
    SELECT queue_id FROM messages
     WHERE tenant_id = $1 AND submitted_at < now() - make_interval(days => $2::integer)
     LIMIT $3 FOR UPDATE SKIP LOCKED)
  DELETE FROM messages m USING batch WHERE m.queue_id = batch.queue_id`;

/**
 * Schedules retention: every `intervalMs`, for each tenant, delete expired messages in batches
 * of `batchSize`, one short transaction per batch, until a batch comes back short. Several
 * replicas may run it at once: SKIP LOCKED shares the rows out. A failed run is logged at warn
 * and retried at the next interval.
 */
export function startRetention(pool: Pool, log: Logger, options: RetentionOptions): RetentionJob {
  const retentionLog = log.child({ component: 'retention' });
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const runOnce = () => (running ??= pass().finally(() => (running = undefined)));

  async function pass(): Promise<number> {
    const { rows: tenants } = await pool.query<{ id: string; retention_days: number }>(
      'SELECT id, retention_days FROM tenants ORDER BY id',
    );
    let total = 0;
    for (const tenant of tenants) {
      total += await purgeTenant(tenant.id, tenant.retention_days);
      if (stopping) break;
    }
    if (total > 0) retentionLog.info({ deleted: total }, 'expired transcripts deleted');
    if (stopping) return total;

    const accounts = await purgeExpiredAccountRows(pool, options.batchSize, retentionLog);
    if (Object.values(accounts).some((n) => n > 0)) {
      retentionLog.info({ deleted: accounts }, 'expired account rows deleted');
    }
    return total;
  }

  async function purgeTenant(tenant: string, days: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = await withTenant(pool, tenant, async (client) => {
        const result = await client.query(DELETE_BATCH, [tenant, days, options.batchSize]);
        return result.rowCount ?? 0;
      });
      deleted += batch;
      retentionLog.debug({ tenant, batch }, 'retention batch');
      if (batch < options.batchSize || stopping) return deleted;
    }
  }

  const schedule = () => {
    if (stopping) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => retentionLog.warn({ err: error }, 'retention run failed'))
        .finally(schedule);
    }, options.intervalMs);
    // The job alone must not keep the process alive.
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

import type { Pool, PoolClient } from 'pg';
import type { Transcript } from '#shared';
import { tryNormalizeAddress } from '../accounts/addresses.ts';
import { ensureTenant } from '../accounts/tenants.ts';
import { SQL_STATE, sqlState } from '../db/pool.ts';
import { withTenant } from '../db/tenant-scope.ts';
import { BatchIncompleteError, QueueIdConflictError, StoreTranscriptError } from '../errors.ts';
import {
  deriveMessageStatus,
  isStoredRecipientStatus,
  type MessageStatus,
} from '../messages/status.ts';

/** What storing one record did. */
export type StoreOutcome =
  | {
      readonly kind: 'stored';
      readonly status: MessageStatus;
      /** The account the message is linked to, if any (see UPSERT_MESSAGE). */
      readonly userId: string | null;
    }
  | { readonly kind: 'duplicate' };

/**
 * Stores a set of records of one tenant ($3), no two of the same message, in one statement: $1
 * is the records as a JSON array, $2 each record's AUTH user as an account address (the
 * account the message is linked to). For each record, in input order:
 *
 * - message: created on the message's first record and its row locked for the rest of the
 *   transaction, so attempts for the message's other domains wait here and derive the status
 *   from the recipients the other committed. No row comes back for a queue id of another tenant
 *   (without row-level security; with it, PostgreSQL refuses the update and the statement fails);
 * - attempt: inserted only when the message row came back; a record already stored (same
 *   attempt id) changes nothing and reads as `duplicate`;
 * - recipients: every envelope recipient gets a row, `pending` until an attempt reports on it;
 *   this attempt's outcome is recorded for each recipient it reported on, unless the stored
 *   state came from an attempt that sorts later, so a record delivered late never overwrites a
 *   newer outcome;
 * - statuses: the status of every recipient of the message after the change, from the rows
 *   written here and the others as they were (a statement does not see its own writes).
 *
 * Rows are written in queue-id order, as takeBatch orders the records, so that concurrent
 * transactions lock messages in the same order.
 */
const STORE_RECORDS = `
  WITH input AS (
    SELECT t.i, t.r, t.r->'message' AS m, t.r->>'queueId' AS queue_id,
           t.r->>'attemptId' AS attempt_id, u.auth_user
      FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(r, i)
      JOIN unnest($2::text[]) WITH ORDINALITY AS u(auth_user, i) ON u.i = t.i
  ),
  earlier AS (
    SELECT input.i FROM input JOIN attempts a ON a.attempt_id = input.attempt_id
  ),
  message AS (
    INSERT INTO messages AS m (queue_id, tenant_id, user_id, sender, auth_user,
      message_id_header, subject, size, sha256, submitted_at, status)
    SELECT queue_id, $3, (SELECT id FROM users WHERE tenant_id = $3 AND address = auth_user),
           m->>'sender', m->>'authUser', m->>'messageId', m->>'subject', (m->>'size')::integer,
           m->>'sha256', (m->>'submittedAt')::timestamptz, 'pending'
      FROM input WHERE i NOT IN (SELECT i FROM earlier)
     ORDER BY queue_id
    ON CONFLICT (queue_id) DO UPDATE SET user_id = COALESCE(m.user_id, EXCLUDED.user_id)
    WHERE m.tenant_id = EXCLUDED.tenant_id
    RETURNING queue_id, user_id
  ),
  attempt AS (
    INSERT INTO attempts (attempt_id, queue_id, domain, attempt, host_index, started_at,
      ended_at, mx, tls, outcome, remote_queue_id, final_reply, error, steps, recipients, record,
      tenant_id)
    SELECT input.attempt_id, input.queue_id, r->>'domain', (r->>'attempt')::integer,
           (r->>'hostIndex')::integer, (r->>'startedAt')::timestamptz,
           (r->>'endedAt')::timestamptz, NULLIF(r->'mx', 'null'), NULLIF(r->'tls', 'null'),
           r->>'outcome', r->>'remoteQueueId', NULLIF(r->'finalReply', 'null'), r->>'error',
           r->'steps', r->'recipients', r, $3
      FROM input JOIN message USING (queue_id)
     ORDER BY input.queue_id
    ON CONFLICT (attempt_id) DO NOTHING
    RETURNING attempt_id, queue_id
  ),
  written AS (
    INSERT INTO recipients AS r (queue_id, tenant_id, address, position, status,
      remote_queue_id, last_reply, reason, attempt_id, attempt, host_index, attempt_started_at)
    SELECT input.queue_id, $3, x.address, x.position, x.status, x.remote_queue_id, x.reply,
           x.reason, x.attempt_id, x.attempt, x.host_index, x.started_at
      FROM input JOIN attempt USING (attempt_id)
     CROSS JOIN LATERAL (
      SELECT COALESCE(o.address, e.address) AS address, e.position,
             COALESCE(o.status, 'pending') AS status, o."remoteQueueId" AS remote_queue_id,
             o.reply, o.reason,
             CASE WHEN o.address IS NOT NULL THEN input.attempt_id END AS attempt_id,
             CASE WHEN o.address IS NOT NULL THEN (input.r->>'attempt')::integer END AS attempt,
             CASE WHEN o.address IS NOT NULL THEN (input.r->>'hostIndex')::integer END
               AS host_index,
             CASE WHEN o.address IS NOT NULL THEN (input.r->>'startedAt')::timestamptz END
               AS started_at
        FROM (SELECT address, min(position) - 1 AS position
                FROM jsonb_array_elements_text(input.m->'recipients')
                     WITH ORDINALITY AS e(address, position)
               GROUP BY address) e
        FULL JOIN jsonb_to_recordset(input.r->'recipients')
             AS o(address text, status text, "remoteQueueId" text, reply jsonb, reason text)
          ON o.address = e.address
     ) x
     ORDER BY input.queue_id, x.address
    ON CONFLICT (queue_id, address) DO UPDATE SET
      status = EXCLUDED.status, remote_queue_id = EXCLUDED.remote_queue_id,
      last_reply = EXCLUDED.last_reply, reason = EXCLUDED.reason,
      attempt_id = EXCLUDED.attempt_id, attempt = EXCLUDED.attempt,
      host_index = EXCLUDED.host_index, attempt_started_at = EXCLUDED.attempt_started_at,
      updated_at = now()
    WHERE EXCLUDED.attempt_id IS NOT NULL AND (r.attempt_id IS NULL
       OR (r.attempt, r.host_index, r.attempt_started_at, r.attempt_id)
        < (EXCLUDED.attempt, EXCLUDED.host_index, EXCLUDED.attempt_started_at,
           EXCLUDED.attempt_id))
    RETURNING queue_id, address, status
  )
  SELECT earlier.i IS NOT NULL AS duplicate,
         message.queue_id IS NOT NULL AS owned,
         attempt.attempt_id IS NOT NULL AS inserted,
         message.user_id,
         CASE WHEN attempt.attempt_id IS NOT NULL THEN ARRAY(
           SELECT w.status FROM written w WHERE w.queue_id = input.queue_id
           UNION ALL
           SELECT s.status FROM recipients s
            WHERE s.queue_id = input.queue_id
              AND s.address NOT IN (SELECT w.address FROM written w
                                     WHERE w.queue_id = input.queue_id))
         END AS statuses
    FROM input
    LEFT JOIN earlier USING (i)
    LEFT JOIN message USING (queue_id)
    LEFT JOIN attempt USING (attempt_id)
   ORDER BY input.i`;

/** Sets each message's derived status: $1 queue ids, $2 statuses, in the same order. */
const UPDATE_STATUSES = `
  UPDATE messages m SET status = s.status, updated_at = now()
    FROM unnest($1::text[], $2::text[]) AS s(queue_id, status)
   WHERE m.queue_id = s.queue_id`;

/**
 * Stores one validated transcript record in one transaction: tenant (created if missing),
 * message, attempt, recipients' latest states, message status. A record already stored (same
 * attemptId) changes nothing. Throws QueueIdConflictError (never retry) or StoreTranscriptError
 * (retry later).
 */
export async function storeTranscript(pool: Pool, record: Transcript): Promise<StoreOutcome> {
  try {
    // The record's own tenant, named explicitly: row-level security lets this transaction
    // write that tenant's rows and no other's.
    return await withTenant(pool, record.tenant, async (client, rollback) => {
      const [outcome] = await storeInTransaction(client, record.tenant, [record]);
      if (outcome?.kind === 'conflict') {
        throw new QueueIdConflictError(record.queueId, record.tenant);
      }
      if (outcome?.kind === 'stored' || outcome?.kind === 'duplicate') return outcome;
      // Another transaction stored this attempt meanwhile: this one's message write goes.
      rollback();
      return { kind: 'duplicate' };
    });
  } catch (error) {
    if (error instanceof QueueIdConflictError) throw error;
    throw new StoreTranscriptError(record.attemptId, { cause: error });
  }
}

/**
 * Stores records of one tenant in one transaction, in the order given, and returns what each
 * did. The transaction commits only when every record was stored or found stored already:
 * with any other outcome (a queue id of another tenant, an attempt stored meanwhile by another
 * transaction) nothing is written and BatchIncompleteError tells the caller to store the
 * records one by one. Throws the database's error as it comes.
 */
export async function storeTranscriptBatch(
  pool: Pool,
  tenant: string,
  records: readonly Transcript[],
): Promise<StoreOutcome[]> {
  return withTenant(pool, tenant, async (client) => {
    const outcomes = await storeInTransaction(client, tenant, records);
    const stored: StoreOutcome[] = [];
    for (const outcome of outcomes) {
      if (outcome.kind === 'conflict' || outcome.kind === 'raced') throw new BatchIncompleteError();
      stored.push(outcome);
    }
    return stored;
  });
}

/** What one record did inside a transaction, before the caller decides to commit. */
type RecordOutcome =
  | StoreOutcome
  | { readonly kind: 'conflict' }
  | {
      /** Another transaction stored the same attempt meanwhile: this one's writes must go. */
      readonly kind: 'raced';
    };

async function storeInTransaction(
  client: PoolClient,
  tenant: string,
  records: readonly Transcript[],
): Promise<RecordOutcome[]> {
  await ensureTenant(client, tenant);
  const outcomes: RecordOutcome[] = [];
  const statuses = new Map<string, MessageStatus>();
  // A statement writes a message's rows once: its later records go in later statements, in
  // order, each seeing what the one before wrote.
  for (const wave of waves(records)) {
    const waveOutcomes = await storeWave(
      client,
      tenant,
      wave.map((w) => w.record),
    );
    wave.forEach(({ index, record }, i) => {
      const outcome = waveOutcomes[i] ?? { kind: 'conflict' };
      outcomes[index] = outcome;
      if (outcome.kind === 'stored') statuses.set(record.queueId, outcome.status);
    });
    // A conflict or a race discards the transaction: the rest need not be tried.
    if (waveOutcomes.some((o) => o.kind === 'conflict' || o.kind === 'raced')) {
      return outcomes.filter((o) => o !== undefined);
    }
  }
  if (statuses.size > 0) {
    await client.query({
      name: 'ingest-update-statuses',
      text: UPDATE_STATUSES,
      values: [[...statuses.keys()], [...statuses.values()]],
    });
  }
  return outcomes;
}

/**
 * Splits records into runs with at most one record per message, keeping each message's order;
 * each record keeps its index in `records`.
 */
function waves(records: readonly Transcript[]): { index: number; record: Transcript }[][] {
  const result: { index: number; record: Transcript }[][] = [];
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const wave = seen.get(record.queueId) ?? 0;
    seen.set(record.queueId, wave + 1);
    (result[wave] ??= []).push({ index, record });
  });
  return result;
}

interface StoredRow {
  duplicate: boolean;
  owned: boolean;
  inserted: boolean;
  user_id: string | null;
  statuses: string[] | null;
}

/**
 * One statement for records of distinct messages. Row-level security refuses the whole
 * statement when a queue id is another tenant's (insufficient privilege): for a lone record that
 * is its conflict; with others beside it, the caller stores them one by one to find which.
 */
async function storeWave(
  client: PoolClient,
  tenant: string,
  records: readonly Transcript[],
): Promise<RecordOutcome[]> {
  let rows: StoredRow[];
  try {
    ({ rows } = await client.query<StoredRow>({
      name: 'ingest-store-records',
      text: STORE_RECORDS,
      values: [JSON.stringify(records), records.map(accountAddress), tenant],
    }));
  } catch (error) {
    if (records.length === 1 && sqlState(error) === SQL_STATE.insufficientPrivilege) {
      return [{ kind: 'conflict' }];
    }
    throw error;
  }
  return rows.map((row): RecordOutcome => {
    if (row.duplicate) return { kind: 'duplicate' };
    if (!row.owned) return { kind: 'conflict' };
    if (!row.inserted) return { kind: 'raced' };
    const stored = (row.statuses ?? []).filter(isStoredRecipientStatus);
    return { kind: 'stored', status: deriveMessageStatus(stored), userId: row.user_id };
  });
}

// LIMITATION: a message is linked to the account that exists under its AUTH user when one of its
// records is stored. A message whose account did not exist then stays unlinked and is invisible
// over GraphQL; accounts are never linked to older messages, so a reused address sees nothing.
function accountAddress(record: Transcript): string {
  return tryNormalizeAddress(record.message.authUser) ?? record.message.authUser;
}

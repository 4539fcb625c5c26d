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
 * One record's message and attempt, in one statement. The message is created on its first
 * record, and its row locked for the rest of the transaction: attempts for the message's other
 * domains wait here, so each derives the status from the recipients the other committed. The
 * attempt is inserted only when the message row came back. No row comes back for a queue id of
 * another tenant (without row-level security; with it, PostgreSQL refuses the update), nor for a
 * record already stored, which changes nothing: `duplicate` says which.
 */
const STORE_MESSAGE_AND_ATTEMPT = `
  WITH earlier AS (SELECT EXISTS (SELECT FROM attempts WHERE attempt_id = $11) AS stored),
  message AS (
    INSERT INTO messages AS m (queue_id, tenant_id, user_id, sender, auth_user,
      message_id_header, subject, size, sha256, submitted_at, status)
    VALUES ($1, $2, (SELECT id FROM users WHERE tenant_id = $2 AND address = $3),
      $4, $5, $6, $7, $8, $9, $10, 'pending')
    ON CONFLICT (queue_id) DO UPDATE SET user_id = COALESCE(m.user_id, EXCLUDED.user_id)
    WHERE m.tenant_id = EXCLUDED.tenant_id AND NOT (SELECT stored FROM earlier)
    RETURNING user_id
  ),
  attempt AS (
    INSERT INTO attempts (attempt_id, queue_id, domain, attempt, host_index, started_at,
      ended_at, mx, tls, outcome, remote_queue_id, final_reply, error, steps, recipients, record,
      tenant_id)
    SELECT $11::text, $1::text, $12::text, $13::integer, $14::integer, $15::timestamptz,
      $16::timestamptz, $17::jsonb, $18::jsonb, $19::text, $20::text, $21::jsonb, $22::text,
      $23::jsonb, $24::jsonb, $25::jsonb, $2::text
      FROM message
    ON CONFLICT (attempt_id) DO NOTHING
    RETURNING attempt_id
  )
  SELECT (SELECT stored FROM earlier) AS duplicate,
    EXISTS (SELECT FROM message) AS owned,
    EXISTS (SELECT FROM attempt) AS inserted,
    (SELECT user_id FROM message) AS user_id`;

/**
 * Every envelope recipient gets a row, `pending` until an attempt reports on it; this attempt's
 * outcome is recorded for each recipient it reported on, unless the stored state came from an
 * attempt that sorts later: a record delivered late never overwrites a newer outcome. Returns
 * the status of every recipient of the message after the change: the rows written here, and
 * the others as they were (a statement does not see its own writes).
 */
const STORE_RECIPIENTS = `
  WITH envelope AS (
    SELECT address, min(position) - 1 AS position
      FROM unnest($2::text[]) WITH ORDINALITY AS e(address, position) GROUP BY address
  ),
  reported AS (
    SELECT * FROM jsonb_to_recordset($6::jsonb)
      AS o(address text, status text, "remoteQueueId" text, reply jsonb, reason text)
  ),
  written AS (
    INSERT INTO recipients AS r (queue_id, tenant_id, address, position, status,
      remote_queue_id, last_reply, reason, attempt_id, attempt, host_index, attempt_started_at)
    SELECT $1::text, $7::text, COALESCE(o.address, e.address), e.position,
      COALESCE(o.status, 'pending'), o."remoteQueueId", o.reply, o.reason,
      CASE WHEN o.address IS NOT NULL THEN $3::text END,
      CASE WHEN o.address IS NOT NULL THEN $4::integer END,
      CASE WHEN o.address IS NOT NULL THEN $5::integer END,
      CASE WHEN o.address IS NOT NULL THEN $8::timestamptz END
      FROM envelope e FULL JOIN reported o ON o.address = e.address
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
    RETURNING address, status
  )
  SELECT status FROM written
  UNION ALL
  SELECT status FROM recipients
   WHERE queue_id = $1 AND address NOT IN (SELECT address FROM written)`;

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
  for (const record of records) {
    const outcome = await storeRecord(client, record);
    outcomes.push(outcome);
    if (outcome.kind === 'stored') statuses.set(record.queueId, outcome.status);
    // A conflict or a race discards the transaction: the rest need not be tried.
    if (outcome.kind === 'conflict' || outcome.kind === 'raced') return outcomes;
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
 * Two statements: the message and attempt, then the recipients and the derived status. Both are
 * named, so each connection parses them once and PostgreSQL may keep a generic plan.
 */
async function storeRecord(client: PoolClient, record: Transcript): Promise<RecordOutcome> {
  const row = await storeMessageAndAttempt(client, record);
  if (!row) return { kind: 'conflict' };
  if (row.duplicate) return { kind: 'duplicate' };
  if (!row.owned) return { kind: 'conflict' };
  if (!row.inserted) return { kind: 'raced' };

  const { rows } = await client.query<{ status: string }>({
    name: 'ingest-store-recipients',
    text: STORE_RECIPIENTS,
    values: recipientParams(record),
  });
  const status = deriveMessageStatus(rows.map((r) => r.status).filter(isStoredRecipientStatus));
  return { kind: 'stored', status, userId: row.user_id };
}

interface MessageAndAttemptRow {
  duplicate: boolean;
  owned: boolean;
  inserted: boolean;
  user_id: string | null;
}

/**
 * The statement's row; null when the queue id is another tenant's and row-level security made
 * PostgreSQL refuse the update (insufficient privilege) instead of skipping it.
 */
async function storeMessageAndAttempt(
  client: PoolClient,
  record: Transcript,
): Promise<MessageAndAttemptRow | null> {
  try {
    const { rows } = await client.query<MessageAndAttemptRow>({
      name: 'ingest-store-message-and-attempt',
      text: STORE_MESSAGE_AND_ATTEMPT,
      values: [...messageParams(record), ...attemptParams(record)],
    });
    return rows[0] ?? null;
  } catch (error) {
    if (sqlState(error) === SQL_STATE.insufficientPrivilege) return null;
    throw error;
  }
}

// LIMITATION: a message is linked to the account that exists under its AUTH user when one of its
// records is stored. A message whose account did not exist then stays unlinked and is invisible
// over GraphQL; accounts are never linked to older messages, so a reused address sees nothing.
function messageParams(record: Transcript): unknown[] {
  const m = record.message;
  const authUser = tryNormalizeAddress(m.authUser) ?? m.authUser;
  return [
    record.queueId,
    record.tenant,
    authUser,
    m.sender,
    m.authUser,
    m.messageId,
    m.subject,
    m.size,
    m.sha256,
    m.submittedAt,
  ];
}

// jsonb values are passed as JSON text: pg would turn a JS array into a PostgreSQL array.
function attemptParams(record: Transcript): unknown[] {
  return [
    record.attemptId,
    record.domain,
    record.attempt,
    record.hostIndex,
    record.startedAt,
    record.endedAt,
    json(record.mx),
    json(record.tls),
    record.outcome,
    record.remoteQueueId,
    json(record.finalReply),
    record.error,
    json(record.steps),
    json(record.recipients),
    json(record),
  ];
}

function recipientParams(record: Transcript): unknown[] {
  return [
    record.queueId,
    record.message.recipients,
    record.attemptId,
    record.attempt,
    record.hostIndex,
    json(record.recipients),
    record.tenant,
    record.startedAt,
  ];
}

function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

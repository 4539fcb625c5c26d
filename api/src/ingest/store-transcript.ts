import type { Pool, PoolClient } from 'pg';
import type { Transcript } from '#shared';
import { tryNormalizeAddress } from '../accounts/addresses.ts';
import { ensureTenant } from '../accounts/tenants.ts';
import { SQL_STATE, sqlState } from '../db/pool.ts';
import { withTenant } from '../db/tenant-scope.ts';
import { QueueIdConflictError, StoreTranscriptError } from '../errors.ts';
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
 * Creates the message on its first record, and locks its row for the rest of the transaction:
 * attempts for one message's other domains wait here, so each recomputes the status from the
 * recipients the other committed. Updates nothing (returns no row) when the queue id belongs to
 * another tenant.
 */
const UPSERT_MESSAGE = `
  INSERT INTO messages AS m (queue_id, tenant_id, user_id, sender, auth_user, message_id_header,
    subject, size, sha256, submitted_at, status)
  VALUES ($1, $2, (SELECT id FROM users WHERE tenant_id = $2 AND address = $3),
    $4, $5, $6, $7, $8, $9, $10, 'pending')
  ON CONFLICT (queue_id) DO UPDATE SET user_id = COALESCE(m.user_id, EXCLUDED.user_id)
  WHERE m.tenant_id = EXCLUDED.tenant_id
  RETURNING queue_id, user_id`;

const INSERT_ATTEMPT = `
  INSERT INTO attempts (attempt_id, queue_id, domain, attempt, host_index, started_at, ended_at,
    mx, tls, outcome, remote_queue_id, final_reply, error, steps, recipients, record, tenant_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
  ON CONFLICT (attempt_id) DO NOTHING`;

/** Every envelope recipient gets a row, `pending` until an attempt reports on it. */
const INSERT_PENDING_RECIPIENTS = `
  INSERT INTO recipients (queue_id, tenant_id, address, position, status)
  SELECT $1::text, $3::text, r.address, r.position - 1, 'pending'
    FROM unnest($2::text[]) WITH ORDINALITY AS r(address, position)
  ON CONFLICT (queue_id, address) DO NOTHING`;

/**
 * Records this attempt's outcome for each recipient it reported on, unless the stored state came
 * from an attempt that sorts later: a record delivered late never overwrites a newer outcome.
 */
const APPLY_OUTCOMES = `
  INSERT INTO recipients AS r (queue_id, address, status, remote_queue_id, last_reply, reason,
    attempt_id, attempt, host_index, attempt_started_at, tenant_id)
  SELECT $1::text, o.address, o.status, o."remoteQueueId", o.reply, o.reason,
    $2::text, $3::integer, $4::integer, $5::timestamptz, $7::text
    FROM jsonb_to_recordset($6::jsonb)
      AS o(address text, status text, "remoteQueueId" text, reply jsonb, reason text)
  ON CONFLICT (queue_id, address) DO UPDATE SET
    status = EXCLUDED.status, remote_queue_id = EXCLUDED.remote_queue_id,
    last_reply = EXCLUDED.last_reply, reason = EXCLUDED.reason,
    attempt_id = EXCLUDED.attempt_id, attempt = EXCLUDED.attempt,
    host_index = EXCLUDED.host_index, attempt_started_at = EXCLUDED.attempt_started_at,
    updated_at = now()
  WHERE r.attempt_id IS NULL
     OR (r.attempt, r.host_index, r.attempt_started_at, r.attempt_id)
      < (EXCLUDED.attempt, EXCLUDED.host_index, EXCLUDED.attempt_started_at, EXCLUDED.attempt_id)`;

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
    return await withTenant(pool, record.tenant, (client, rollback) =>
      storeInTransaction(client, record, rollback),
    );
  } catch (error) {
    if (error instanceof QueueIdConflictError) throw error;
    throw new StoreTranscriptError(record.attemptId, { cause: error });
  }
}

async function storeInTransaction(
  client: PoolClient,
  record: Transcript,
  rollback: () => void,
): Promise<StoreOutcome> {
  await ensureTenant(client, record.tenant);

  const message = await upsertMessage(client, record);
  if (!message) throw new QueueIdConflictError(record.queueId, record.tenant);

  // The attempt row exists only if an earlier transaction stored this whole record.
  const attempt = await client.query(INSERT_ATTEMPT, attemptParams(record));
  if (attempt.rowCount === 0) {
    rollback();
    return { kind: 'duplicate' };
  }

  await client.query(INSERT_PENDING_RECIPIENTS, [
    record.queueId,
    record.message.recipients,
    record.tenant,
  ]);

  await client.query(APPLY_OUTCOMES, outcomeParams(record));

  const status = await refreshMessageStatus(client, record.queueId);
  return { kind: 'stored', status, userId: message.user_id };
}

/**
 * The message row, created or locked; null when its queue id is another tenant's. The policy
 * hides that row, so PostgreSQL refuses the conflicting update (insufficient privilege) instead
 * of skipping it; without row-level security the WHERE clause skips it (no row).
 */
async function upsertMessage(
  client: PoolClient,
  record: Transcript,
): Promise<{ user_id: string | null } | null> {
  try {
    const { rows } = await client.query<{ user_id: string | null }>(
      UPSERT_MESSAGE,
      messageParams(record),
    );
    return rows[0] ?? null;
  } catch (error) {
    if (sqlState(error) === SQL_STATE.insufficientPrivilege) return null;
    throw error;
  }
}

async function refreshMessageStatus(client: PoolClient, queueId: string): Promise<MessageStatus> {
  const { rows } = await client.query<{ status: string }>(
    'SELECT status FROM recipients WHERE queue_id = $1',
    [queueId],
  );
  const status = deriveMessageStatus(rows.map((r) => r.status).filter(isStoredRecipientStatus));
  await client.query('UPDATE messages SET status = $2, updated_at = now() WHERE queue_id = $1', [
    queueId,
    status,
  ]);
  return status;
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
    record.queueId,
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
    record.tenant,
  ];
}

function outcomeParams(record: Transcript): unknown[] {
  return [
    record.queueId,
    record.attemptId,
    record.attempt,
    record.hostIndex,
    record.startedAt,
    json(record.recipients),
    record.tenant,
  ];
}

function json(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

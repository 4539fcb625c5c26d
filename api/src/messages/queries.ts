import type { Reply, Transcript } from '#shared';
import type { Db } from '../db/pool.ts';
import type { MessageCursor } from './cursor.ts';
import { filterConditions, type MessageFilter } from './filter.ts';
import type { ReportedMessageStatus, StoredRecipientStatus } from './status.ts';

/**
 * Whose messages a caller may see: one account's, or (userId null) the whole tenant's. Every
 * query below also runs under withTenant(scope.tenant), so PostgreSQL enforces the tenant again.
 */
export interface MessageScope {
  readonly tenant: string;
  readonly userId: string | null;
}

/** A message as the API serves it. */
export interface Message {
  readonly queueId: string;
  readonly tenant: string;
  /** Envelope sender; '' is the null reverse-path. */
  readonly sender: string;
  readonly messageId: string | null;
  readonly subject: string | null;
  /** Octets, as queued. */
  readonly size: number;
  readonly sha256: string;
  readonly submittedAt: Date;
  readonly status: ReportedMessageStatus;
  /** Trace id of the message's first stored delivery record; null when tracing was off. */
  readonly traceId: string | null;
}

/** A recipient's latest known state. */
export interface Recipient {
  readonly address: string;
  readonly status: StoredRecipientStatus;
  readonly remoteQueueId: string | null;
  readonly reason: string | null;
  readonly lastReply: Reply | null;
}

/** One stored attempt: the transcript record's own fields, its timestamps as dates. */
export type Attempt = Omit<
  Transcript,
  'schema' | 'tenant' | 'queueId' | 'message' | 'recipients' | 'startedAt' | 'endedAt' | 'traceId'
> & {
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly traceId: string | null;
};

/** One page of messages, newest first, each with its pagination position. */
export interface MessagePage {
  readonly edges: { readonly position: MessageCursor; readonly message: Message }[];
  readonly hasNextPage: boolean;
}

/** `deferred` reads as `expired` for a message submitted before $1 (see statusCondition). */
const MESSAGE_COLUMNS = `m.queue_id AS "queueId", m.tenant_id AS "tenant", m.sender,
  m.message_id_header AS "messageId", m.subject, m.size, m.sha256,
  m.submitted_at AS "submittedAt",
  CASE WHEN m.status = 'deferred' AND m.submitted_at < $1 THEN 'expired' ELSE m.status END
    AS status,
  (SELECT a.record->>'traceId' FROM attempts a WHERE a.queue_id = m.queue_id
    ORDER BY a.started_at, a.attempt, a.host_index, a.attempt_id LIMIT 1) AS "traceId"`;

/** The keyset position in microseconds, exact (EXTRACT gives numeric). */
const POSITION_COLUMN = `(EXTRACT(EPOCH FROM m.submitted_at) * 1000000)::bigint::text AS "positionUs"`;

/**
 * A scope's messages newest first (submitted_at, then queue_id, both descending), `first` of them
 * strictly after `after`, narrowed by `filter`. Keyset pagination: a message's position never
 * changes, so no message appears on two pages, and none that existed when the first page was read
 * is skipped. A message stored meanwhile appears on a later page only if it sorts after the
 * cursor (late ingest of an older submission); one newer than the first page shows on a new
 * first page. Served by messages_user_newest_idx or messages_tenant_newest_idx.
 */
export async function listMessages(
  db: Db,
  scope: MessageScope,
  query: { filter: MessageFilter; first: number; after: MessageCursor | null; expiredBefore: Date },
): Promise<MessagePage> {
  const params: unknown[] = [query.expiredBefore, scope.tenant];
  const conditions = ['m.tenant_id = $2'];
  if (scope.userId !== null) conditions.push(`m.user_id = $${params.push(scope.userId)}`);
  if (query.after) {
    const at = `$${params.push(query.after.submittedAtUs)}`;
    const id = `$${params.push(query.after.queueId)}`;
    conditions.push(
      `(m.submitted_at, m.queue_id) < ('epoch'::timestamptz + ${at}::bigint * interval '1 microsecond', ${id}::text)`,
    );
  }
  conditions.push(...filterConditions(query.filter, params, query.expiredBefore));
  const limit = `$${params.push(query.first + 1)}`;

  const { rows } = await db.query<Message & { positionUs: string }>(
    `SELECT ${MESSAGE_COLUMNS}, ${POSITION_COLUMN} FROM messages m
      WHERE ${conditions.join('\n        AND ')}
      ORDER BY m.submitted_at DESC, m.queue_id DESC
      LIMIT ${limit}`,
    params,
  );
  const edges = rows.slice(0, query.first).map(({ positionUs, ...message }) => ({
    position: { submittedAtUs: positionUs, queueId: message.queueId },
    message,
  }));
  return { edges, hasNextPage: rows.length > query.first };
}

/** The scope's message with this queue id, or null when it is missing or outside the scope. */
export async function findMessage(
  db: Db,
  scope: MessageScope,
  queueId: string,
  expiredBefore: Date,
): Promise<Message | null> {
  const { rows } = await db.query<Message>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages m
      WHERE m.queue_id = $2 AND m.tenant_id = $3 AND ($4::text IS NULL OR m.user_id = $4)`,
    [expiredBefore, queueId, scope.tenant, scope.userId],
  );
  return rows[0] ?? null;
}

/**
 * The recipients of each of `queueIds`, in envelope order: one query for a whole page of
 * messages. A queue id without rows (or outside the transaction's tenant) maps to [].
 */
export async function listRecipients(
  db: Db,
  queueIds: readonly string[],
): Promise<Map<string, Recipient[]>> {
  const { rows } = await db.query<Recipient & { queueId: string }>(
    `SELECT queue_id AS "queueId", address, status, remote_queue_id AS "remoteQueueId", reason,
            last_reply AS "lastReply"
       FROM recipients WHERE queue_id = ANY($1)
      ORDER BY queue_id, position NULLS LAST, address`,
    [queueIds],
  );
  return groupByQueueId(queueIds, rows);
}

/** The attempts of each of `queueIds` in the order they started: one query for a page. */
export async function listAttempts(
  db: Db,
  queueIds: readonly string[],
): Promise<Map<string, Attempt[]>> {
  const { rows } = await db.query<Attempt & { queueId: string }>(
    `SELECT queue_id AS "queueId", attempt_id AS "attemptId", domain, attempt,
            host_index AS "hostIndex", started_at AS "startedAt", ended_at AS "endedAt", mx, tls,
            outcome, remote_queue_id AS "remoteQueueId", final_reply AS "finalReply", error,
            steps, record->>'traceId' AS "traceId", record->'policy' AS policy,
            COALESCE((record->>'possibleDuplicate')::boolean, false) AS "possibleDuplicate"
       FROM attempts WHERE queue_id = ANY($1)
      ORDER BY queue_id, started_at, attempt, host_index, attempt_id`,
    [queueIds],
  );
  return groupByQueueId(queueIds, rows);
}

function groupByQueueId<T extends { queueId: string }>(
  queueIds: readonly string[],
  rows: readonly T[],
): Map<string, Omit<T, 'queueId'>[]> {
  const groups = new Map<string, Omit<T, 'queueId'>[]>(queueIds.map((id) => [id, []]));
  for (const { queueId, ...row } of rows) groups.get(queueId)?.push(row);
  return groups;
}

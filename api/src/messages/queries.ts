import type { Reply, Transcript } from '#shared';
import type { Db } from '../db/pool.ts';
import type { MessageCursor } from './cursor.ts';
import type { MessageStatus, StoredRecipientStatus } from './status.ts';

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
  readonly status: MessageStatus;
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
  'schema' | 'tenant' | 'queueId' | 'message' | 'recipients' | 'startedAt' | 'endedAt'
> & {
  readonly startedAt: Date;
  readonly endedAt: Date;
};

/** One page of a user's messages, newest first. */
export interface MessagePage {
  readonly messages: Message[];
  readonly hasNextPage: boolean;
}

const MESSAGE_COLUMNS = `queue_id AS "queueId", tenant_id AS "tenant", sender,
  message_id_header AS "messageId", subject, size, sha256, submitted_at AS "submittedAt", status`;

/**
 * A user's messages newest first (submitted_at, then queue_id, both descending), `first` of them
 * strictly after `after`. Served by the messages_user_newest_idx index.
 */
export async function listUserMessages(
  db: Db,
  userId: string,
  first: number,
  after: MessageCursor | null,
): Promise<MessagePage> {
  const { rows } = await db.query<Message>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
      WHERE user_id = $1
        AND ($2::timestamptz IS NULL OR (submitted_at, queue_id) < ($2::timestamptz, $3::text))
      ORDER BY submitted_at DESC, queue_id DESC
      LIMIT $4`,
    [userId, after?.submittedAt ?? null, after?.queueId ?? null, first + 1],
  );
  return { messages: rows.slice(0, first), hasNextPage: rows.length > first };
}

/** The user's message with this queue id, or null when it is missing or someone else's. */
export async function findUserMessage(
  db: Db,
  userId: string,
  queueId: string,
): Promise<Message | null> {
  const { rows } = await db.query<Message>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE queue_id = $1 AND user_id = $2`,
    [queueId, userId],
  );
  return rows[0] ?? null;
}

/** A message's recipients in envelope order. */
export async function listRecipients(db: Db, queueId: string): Promise<Recipient[]> {
  const { rows } = await db.query<Recipient>(
    `SELECT address, status, remote_queue_id AS "remoteQueueId", reason, last_reply AS "lastReply"
       FROM recipients WHERE queue_id = $1
      ORDER BY position NULLS LAST, address`,
    [queueId],
  );
  return rows;
}

/** A message's attempts in the order they started. */
export async function listAttempts(db: Db, queueId: string): Promise<Attempt[]> {
  const { rows } = await db.query<Attempt>(
    `SELECT attempt_id AS "attemptId", domain, attempt, host_index AS "hostIndex",
            started_at AS "startedAt", ended_at AS "endedAt", mx, tls, outcome,
            remote_queue_id AS "remoteQueueId", final_reply AS "finalReply", error, steps,
            record->'policy' AS policy,
            COALESCE((record->>'possibleDuplicate')::boolean, false) AS "possibleDuplicate"
       FROM attempts WHERE queue_id = $1
      ORDER BY started_at, attempt, host_index, attempt_id`,
    [queueId],
  );
  return rows;
}

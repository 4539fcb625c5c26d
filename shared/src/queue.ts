import { z } from 'zod';
import { InvalidRecordError } from './errors.ts';
import { TENANT_ID } from './subjects.ts';

/**
 * Why a queue entry exists: a user's message, a receipt Zajoni sends about one, or a notice the
 * API mails about the account itself (password reset, forgotten username). Only `message`
 * entries are recorded for the user and confirmed.
 */
export const QUEUE_KINDS = ['message', 'confirmation', 'failure-notice', 'account-notice'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/**
 * A queue entry, published to JetStream only once its body is stored. The body itself lives
 * under `queueId`, in the bucket `bodyStore` names.
 */
export const queuedMessageSchema = z.object({
  queueId: z.string().min(1).max(64),
  tenant: z.string().regex(TENANT_ID),
  kind: z.enum(QUEUE_KINDS),
  /** Envelope sender; '' is the null reverse-path used by receipts (RFC 5321 section 4.5.5). */
  sender: z.string(),
  recipients: z.array(z.string()).min(1),
  authUser: z.string(),
  /** Whether the client asked for SMTPUTF8 (RFC 6531). */
  smtpUtf8: z.boolean(),
  /** BODY= parameter from MAIL FROM (RFC 6152); '7bit' when absent. */
  body: z.enum(['7bit', '8bitmime']),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  submittedAt: z.iso.datetime(),
  /** For receipts: the queue id of the message they report on. */
  about: z.string().nullable(),
  /** Delivery round this entry is for: 1 at submission, +1 each time deferred recipients requeue. */
  attempt: z.number().int().positive(),
  /** Earliest time to try this round (back-off after a temporary failure); null for at once. */
  notBefore: z.iso.datetime().nullable(),
  /**
   * Whether the sender wants a confirmation when it is delivered (the account's preference at
   * submission). Entries queued before the field existed count as true.
   */
  confirm: z.boolean().default(true),
  /**
   * Where the body is kept: `kv`, the small-body KV bucket (SMALL_BODY_BUCKET), for a body that
   * fits in one NATS message; `object`, the object store (BODY_BUCKET), for a larger one.
   * Entries queued before the field existed, and the API's notices, are in the object store.
   */
  bodyStore: z.enum(['kv', 'object']).default('object'),
});
export type QueuedMessage = z.infer<typeof queuedMessageSchema>;

export function parseQueuedMessage(data: unknown): QueuedMessage {
  const result = queuedMessageSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InvalidRecordError('queue entry', issues);
  }
  return result.data;
}

import { RECIPIENT_STATUSES } from '#shared';

/**
 * A recipient's state as stored: the shared outcomes, plus `pending` for an envelope recipient no
 * attempt has reported on yet (its domain's delivery has not finished a connection).
 */
export const STORED_RECIPIENT_STATUSES = ['pending', ...RECIPIENT_STATUSES] as const;
export type StoredRecipientStatus = (typeof STORED_RECIPIENT_STATUSES)[number];

/**
 * A message's state, derived from its recipients:
 * - `delivered`: every recipient delivered.
 * - `bounced`: every recipient bounced.
 * - `partial`: every recipient final (delivered or bounced), some of each.
 * - `deferred`: some recipient is waiting for a retry after a temporary failure.
 * - `pending`: some recipient has no outcome yet, and none is deferred.
 * The first three are final; `pending` and `deferred` may still change.
 */
export const MESSAGE_STATUSES = ['pending', 'deferred', 'delivered', 'bounced', 'partial'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * A message's state as the API reports it: the stored states, plus `expired` for a message still
 * `deferred` after the relay's message lifetime (MESSAGE_LIFETIME_MS), which the relay no longer
 * retries. Derived when read, never stored: the relay publishes no record when it gives up.
 */
export const REPORTED_MESSAGE_STATUSES = [...MESSAGE_STATUSES, 'expired'] as const;
export type ReportedMessageStatus = (typeof REPORTED_MESSAGE_STATUSES)[number];

/** Derives a message's status from its recipients' statuses (see MESSAGE_STATUSES). */
export function deriveMessageStatus(statuses: readonly StoredRecipientStatus[]): MessageStatus {
  if (statuses.includes('deferred')) return 'deferred';
  if (statuses.length === 0 || statuses.includes('pending')) return 'pending';
  if (statuses.every((s) => s === 'delivered')) return 'delivered';
  if (statuses.every((s) => s === 'bounced')) return 'bounced';
  return 'partial';
}

export function isStoredRecipientStatus(value: string): value is StoredRecipientStatus {
  return (STORED_RECIPIENT_STATUSES as readonly string[]).includes(value);
}

import { InvalidArgumentError } from '../errors.ts';
import type { ReportedMessageStatus } from './status.ts';

/** Longest text a filter field accepts (characters); an address is at most 254. */
export const MAX_FILTER_TEXT = 256;

/** The `filter` argument of `messages`, as GraphQL delivers it (enums already lowercase). */
export interface MessageFilterInput {
  readonly recipient?: string | null;
  readonly recipientDomain?: string | null;
  readonly status?: readonly ReportedMessageStatus[] | null;
  readonly submittedAfter?: Date | null;
  readonly submittedBefore?: Date | null;
  readonly queueId?: string | null;
  readonly remoteQueueId?: string | null;
  readonly messageId?: string | null;
  readonly subjectPrefix?: string | null;
  readonly sender?: string | null;
}

/** A validated filter: each field narrows the result; absent fields do not. */
export type MessageFilter = {
  readonly [K in keyof MessageFilterInput]?: NonNullable<MessageFilterInput[K]>;
};

const TEXT_FIELDS = [
  'recipient',
  'recipientDomain',
  'queueId',
  'remoteQueueId',
  'messageId',
  'subjectPrefix',
  'sender',
] as const;

/**
 * Checks a filter and normalizes it: a Message-ID loses its angle brackets, a domain its `@`.
 * Throws InvalidArgumentError (argument `filter.<field>`) for text longer than MAX_FILTER_TEXT,
 * an empty value where empty means nothing (every field but `sender`, where '' is the null
 * sender), or `submittedAfter` not before `submittedBefore`.
 */
export function parseMessageFilter(input: MessageFilterInput | null | undefined): MessageFilter {
  const filter: Record<string, unknown> = {};
  for (const field of TEXT_FIELDS) {
    const value = input?.[field];
    if (value === null || value === undefined) continue;
    if (value.length > MAX_FILTER_TEXT) {
      throw invalid(field, `must be at most ${MAX_FILTER_TEXT} characters`);
    }
    if (value === '' && field !== 'sender') throw invalid(field, 'must not be empty');
    filter[field] = value;
  }
  if (typeof filter['messageId'] === 'string') {
    filter['messageId'] = filter['messageId'].replace(/^<(.*)>$/, '$1');
  }
  if (typeof filter['recipientDomain'] === 'string') {
    filter['recipientDomain'] = filter['recipientDomain'].replace(/^@/, '');
  }
  if (input?.status) filter['status'] = [...new Set(input.status)];
  const after = input?.submittedAfter ?? undefined;
  const before = input?.submittedBefore ?? undefined;
  if (after && before && after.getTime() >= before.getTime()) {
    throw invalid('submittedAfter', 'must be earlier than submittedBefore');
  }
  if (after) filter['submittedAfter'] = after;
  if (before) filter['submittedBefore'] = before;
  return filter as MessageFilter;
}

function invalid(field: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`filter.${field}`, `filter.${field} ${problem}`);
}

/** SQL conditions on `messages m`, with their parameters appended to `params`. */
export function filterConditions(
  filter: MessageFilter,
  params: unknown[],
  expiredBefore: Date,
): string[] {
  // Typed placeholders: lower() is overloaded (text, ranges), so an untyped one is ambiguous.
  const p = (value: unknown) =>
    `$${params.push(value)}::${value instanceof Date ? 'timestamptz' : 'text'}`;
  const conditions: string[] = [];
  if (filter.recipient !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM recipients r
      WHERE r.queue_id = m.queue_id AND r.address_lower = lower(${p(filter.recipient)}))`);
  }
  if (filter.recipientDomain !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM recipients r
      WHERE r.queue_id = m.queue_id AND r.domain = lower(${p(filter.recipientDomain)}))`);
  }
  if (filter.status !== undefined) {
    conditions.push(statusCondition(filter.status, () => p(expiredBefore), p));
  }
  if (filter.submittedAfter) conditions.push(`m.submitted_at > ${p(filter.submittedAfter)}`);
  if (filter.submittedBefore) conditions.push(`m.submitted_at < ${p(filter.submittedBefore)}`);
  if (filter.queueId !== undefined) conditions.push(`m.queue_id = ${p(filter.queueId)}`);
  if (filter.remoteQueueId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM attempts a
      WHERE a.queue_id = m.queue_id AND a.remote_queue_id = ${p(filter.remoteQueueId)})`);
  }
  if (filter.messageId !== undefined) {
    conditions.push(`m.message_id_header = ${p(filter.messageId)}`);
  }
  if (filter.subjectPrefix !== undefined) {
    // Stored lowercase columns and leakproof comparisons only: under row-level security the
    // planner uses an index for nothing else (migration 1764979200100). starts_with() takes the
    // prefix literally, so % and _ need no escaping.
    conditions.push(`starts_with(m.subject_lower, lower(${p(filter.subjectPrefix)}))`);
  }
  if (filter.sender !== undefined) conditions.push(`m.sender = ${p(filter.sender)}`);
  return conditions;
}

/**
 * Stored status deferred splits in two: EXPIRED once the relay has stopped retrying (submitted
 * more than the message lifetime ago), DEFERRED before that.
 */
function statusCondition(
  statuses: readonly ReportedMessageStatus[],
  expiredBefore: () => string,
  p: (value: unknown) => string,
): string {
  if (statuses.length === 0) return 'false';
  // Only a placeholder the query uses may be added: PostgreSQL must infer each one's type.
  const cutoff = statuses.some((s) => s === 'expired' || s === 'deferred') ? expiredBefore() : '';
  const alternatives = statuses.map((status) => {
    if (status === 'expired') return `(m.status = 'deferred' AND m.submitted_at < ${cutoff})`;
    if (status === 'deferred') {
      return `(m.status = 'deferred' AND m.submitted_at >= ${cutoff})`;
    }
    return `m.status = ${p(status)}`;
  });
  return `(${alternatives.join(' OR ')})`;
}

import { MESSAGE_STATUSES, type MessageStatus } from './operations.ts';

/** The search form as typed: every field a string, empty when unused. */
export interface FilterForm {
  readonly recipient: string;
  readonly subjectPrefix: string;
  readonly status: string;
  /** `datetime-local` values, in the browser's time zone. */
  readonly after: string;
  readonly before: string;
  readonly queueId: string;
  readonly remoteQueueId: string;
}

export const EMPTY_FILTER: FilterForm = {
  recipient: '',
  subjectPrefix: '',
  status: '',
  after: '',
  before: '',
  queueId: '',
  remoteQueueId: '',
};

/** The API's MessageFilter input, only with the fields given. */
export type MessageFilterInput = Partial<{
  recipient: string;
  recipientDomain: string;
  subjectPrefix: string;
  status: MessageStatus[];
  submittedAfter: string;
  submittedBefore: string;
  queueId: string;
  remoteQueueId: string;
}>;

export type FilterResult =
  | { readonly ok: true; readonly filter: MessageFilterInput }
  | { readonly ok: false; readonly field: keyof FilterForm; readonly message: string };

/**
 * The MessageFilter for a search form. A recipient without `@` (or starting with one) searches
 * the recipient domain; times are the browser's local time, sent as UTC instants.
 */
export function toMessageFilter(form: FilterForm): FilterResult {
  const filter: MessageFilterInput = {};
  const recipient = form.recipient.trim();
  if (recipient !== '') {
    const isDomain = !recipient.includes('@') || recipient.startsWith('@');
    if (isDomain) filter.recipientDomain = recipient.replace(/^@/, '');
    else filter.recipient = recipient;
  }
  const subject = form.subjectPrefix.trim();
  if (subject !== '') filter.subjectPrefix = subject;
  if (form.status !== '') {
    const status = MESSAGE_STATUSES.find((s) => s === form.status);
    if (!status) return { ok: false, field: 'status', message: 'Choose a status from the list.' };
    filter.status = [status];
  }
  for (const [field, key] of [
    ['after', 'submittedAfter'],
    ['before', 'submittedBefore'],
  ] as const) {
    if (form[field] === '') continue;
    const time = new Date(form[field]);
    if (Number.isNaN(time.getTime())) {
      return { ok: false, field, message: 'Enter a date and time.' };
    }
    filter[key] = time.toISOString();
  }
  if (filter.submittedAfter && filter.submittedBefore) {
    if (filter.submittedAfter >= filter.submittedBefore) {
      return {
        ok: false,
        field: 'before',
        message: '"Sent before" must be later than "sent after".',
      };
    }
  }
  if (form.queueId.trim() !== '') filter.queueId = form.queueId.trim();
  if (form.remoteQueueId.trim() !== '') filter.remoteQueueId = form.remoteQueueId.trim();
  return { ok: true, filter };
}

import type { RecipientOutcome, Transcript } from '#shared';
import { replyClass } from '../transcript/index.ts';

/** RFC 3464 section 2.3.3: what happened to one recipient. */
export type DsnAction = 'delivered' | 'failed' | 'delayed';

/** A recipient as a receipt reports it, with the connection that decided it. */
export interface ReportedRecipient {
  outcome: RecipientOutcome;
  transcript: Transcript;
  action: DsnAction;
  /** RFC 3463 status code, e.g. 2.0.0, 5.1.1, 4.4.7. */
  status: string;
}

/** RFC 3463 codes for a recipient given up on after the message's lifetime: delivery time expired. */
const EXPIRED_STATUS = '4.4.7';

const STATUS_AT_START = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/;

/**
 * Each recipient with the transcript that decided it: the last one that names it, in the order
 * given (per domain, the last connection decides).
 */
export function lastOutcomes(
  transcripts: readonly Transcript[],
): { outcome: RecipientOutcome; transcript: Transcript }[] {
  const decided = new Map<string, { outcome: RecipientOutcome; transcript: Transcript }>();
  for (const transcript of transcripts) {
    for (const outcome of transcript.recipients)
      decided.set(outcome.address, { outcome, transcript });
  }
  return [...decided.values()];
}

/**
 * The DSN action for an outcome: delivered, failed (bounced, or deferred past the message's
 * lifetime when `expired`), or delayed (deferred, still being retried).
 */
export function actionFor(outcome: RecipientOutcome, expired: boolean): DsnAction {
  if (outcome.status === 'delivered') return 'delivered';
  if (outcome.status === 'bounced' || expired) return 'failed';
  return 'delayed';
}

/**
 * The RFC 3463 status of a reported recipient: 2.0.0 when delivered; otherwise the server's
 * enhanced code, the code a reason starts with (DNS, SMTPUTF8, connection failures), 4.4.7 for
 * an expired deferral, or the generic 4.0.0 / 5.0.0 of the reply class.
 */
export function statusFor(outcome: RecipientOutcome, action: DsnAction): string {
  if (action === 'delivered') return '2.0.0';
  if (outcome.status === 'deferred' && action === 'failed') return EXPIRED_STATUS;
  if (outcome.reply?.enhanced) return outcome.reply.enhanced;
  const fromReason = STATUS_AT_START.exec(outcome.reason ?? '')?.[0];
  if (fromReason) return fromReason;
  if (outcome.reply) return `${replyClass(outcome.reply)}.0.0`;
  return outcome.status === 'bounced' ? '5.0.0' : '4.0.0';
}

/** When the server accepted the message: the end of its reply to the final dot. */
export function acceptedAt(transcript: Transcript): string {
  const message = transcript.steps.find((s) => s.kind === 'message' && s.reply);
  if (!message) return transcript.endedAt;
  return new Date(Date.parse(message.at) + Math.round(message.elapsedMs)).toISOString();
}

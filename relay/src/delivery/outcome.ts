import type { AttemptOutcome, RecipientOutcome, Reply, TranscriptStep } from '#shared';
import { parseRemoteQueueId, replyClass } from '../transcript/index.ts';
import type { SessionStage } from './session.ts';

export interface DecideInput {
  /** Every recipient of the job, in the order outcomes are wanted. */
  recipients: readonly string[];
  stage: SessionStage;
  steps: readonly TranscriptStep[];
  /** Recipients given to RCPT TO, in the order sent. */
  sent: readonly string[];
  /** Recipients decided before sending. */
  refused: readonly RecipientOutcome[];
  /** Failure outside SMTP replies, if any. */
  error: string | null;
  /** The server as named in reasons: "mx.example.net [192.0.2.1]". */
  server: string;
}

interface Transaction {
  mail: TranscriptStep | undefined;
  rcpts: TranscriptStep[];
  data: TranscriptStep | undefined;
  message: TranscriptStep | undefined;
}

/**
 * Each recipient's outcome from the replies of one connection. A recipient is decided by, in
 * order: a refused MAIL FROM (everyone), its own RCPT reply, the reply to DATA, the reply to the
 * end of data. A later reply in a pipelined group never decides a recipient whose RCPT failed.
 */
export function decideRecipients(input: DecideInput): RecipientOutcome[] {
  const transaction: Transaction = {
    mail: input.steps.find((s) => s.kind === 'mail'),
    rcpts: input.steps.filter((s) => s.kind === 'rcpt'),
    data: input.steps.find((s) => s.kind === 'data'),
    message: input.steps.find((s) => s.kind === 'message'),
  };
  return input.recipients.map((address) => {
    const refused = input.refused.find((r) => r.address === address);
    if (refused) return refused;
    if (input.stage !== 'transacted') return sessionFailure(address, input);
    const index = input.sent.indexOf(address);
    if (index === -1) return deferred(address, null, '4.3.0 not sent on this connection');
    return decideOne(address, transaction, index, lostSuffix(input.error));
  });
}

function decideOne(address: string, t: Transaction, index: number, lost: string): RecipientOutcome {
  // RFC 5321 section 4.1.1.2: without an accepted sender there is no transaction; the RCPT
  // replies that follow a refused MAIL (503 when pipelined) are only its consequence.
  if (!t.mail?.reply) return deferred(address, null, `4.4.2 no reply to MAIL FROM${lost}`);
  if (replyClass(t.mail.reply) !== 2) return fromReply(address, t.mail.reply);
  const rcpt = t.rcpts[index];
  if (!rcpt?.reply) return deferred(address, null, `4.4.2 no reply to RCPT TO${lost}`);
  if (replyClass(rcpt.reply) !== 2) return fromReply(address, rcpt.reply);
  if (!t.data?.reply) return deferred(address, null, `4.4.2 no reply to DATA${lost}`);
  const dataClass = replyClass(t.data.reply);
  if (dataClass !== 3 && dataClass !== 2) return fromReply(address, t.data.reply);
  if (!t.message?.reply) {
    // RFC 1047: the server may have taken the message; a retry risks a duplicate, not a loss.
    const reason = `4.4.2 no reply to the end of data${lost}; the message may have been accepted`;
    return deferred(address, null, reason);
  }
  return fromReply(address, t.message.reply);
}

function sessionFailure(address: string, input: DecideInput): RecipientOutcome {
  const refusal = input.steps.findLast((s) => s.reply && replyClass(s.reply) >= 4)?.reply ?? null;
  const banner = input.steps.some((s) => s.kind === 'banner' && s.reply);
  // RFC 3463: X.4.1 no answer from host, X.4.2 bad connection.
  const status = banner ? '4.4.2' : '4.4.1';
  const what = input.stage === 'tls-failed' ? 'TLS handshake failed' : 'no SMTP session';
  const cause = input.error ?? (refusal ? 'the server refused the session' : 'unknown failure');
  return deferred(address, refusal, `${status} ${what} with ${input.server}: ${cause}`);
}

function fromReply(address: string, reply: Reply): RecipientOutcome {
  const klass = replyClass(reply);
  if (klass === 2) {
    const remoteQueueId = parseRemoteQueueId(reply);
    return { address, status: 'delivered', reply, reason: null, remoteQueueId };
  }
  if (klass === 5) return { address, status: 'bounced', reply, reason: null, remoteQueueId: null };
  return deferred(address, reply, null);
}

function deferred(address: string, reply: Reply | null, reason: string | null): RecipientOutcome {
  return { address, status: 'deferred', reply, reason, remoteQueueId: null };
}

function lostSuffix(error: string | null): string {
  return error ? ` (${error})` : '';
}

/**
 * The attempt's outcome from its recipients: all delivered, some delivered (`partial`), all
 * bounced, or otherwise `deferred` (at least one recipient is still to be tried again).
 */
export function summarizeOutcome(recipients: readonly RecipientOutcome[]): AttemptOutcome {
  const delivered = recipients.filter((r) => r.status === 'delivered').length;
  if (delivered === recipients.length) return 'delivered';
  if (delivered > 0) return 'partial';
  if (recipients.every((r) => r.status === 'bounced')) return 'bounced';
  return 'deferred';
}

/** The reply to the end of data when it accepted the message (RFC 5321 section 4.1.1.4). */
export function acceptedFinalReply(steps: readonly TranscriptStep[]): Reply | null {
  const reply = steps.find((s) => s.kind === 'message')?.reply ?? null;
  return reply && replyClass(reply) === 2 ? reply : null;
}

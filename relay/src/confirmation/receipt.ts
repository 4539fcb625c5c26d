import MimeNode from 'nodemailer/lib/mime-node';
import { ulid } from 'ulid';
import type { QueuedMessage, RecipientOutcome, Reply, Transcript } from '#shared';
import { describeTls, renderTranscriptText } from '../transcript/index.ts';

export interface ReceiptInput {
  /** The message the receipt reports on. */
  entry: QueuedMessage;
  /** Every transcript of the delivery round, in order. */
  transcripts: Transcript[];
  /** The original message's header block, returned as text/rfc822-headers. */
  originalHeaders: string;
  now: Date;
  /** This relay's host name, for Reporting-MTA. */
  reportingMta: string;
  /** Address the receipt comes from, e.g. postmaster@relay. */
  from: string;
}

export interface Receipt {
  raw: Buffer;
  messageId: string;
  subject: string;
}

type Kind = 'delivered' | 'failed';

/** The sender's proof: an RFC 3464 report for the recipients the remote servers accepted. */
export function buildConfirmation(input: ReceiptInput): Promise<Receipt> {
  return buildReport(input, 'delivered');
}

/** A failure notice (RFC 3464) for the recipients that failed for good, with the transcripts. */
export function buildFailureNotice(input: ReceiptInput): Promise<Receipt> {
  return buildReport(input, 'failed');
}

async function buildReport(input: ReceiptInput, kind: Kind): Promise<Receipt> {
  const recipients = lastOutcomes(input.transcripts).filter((r) =>
    kind === 'delivered' ? r.outcome.status === 'delivered' : r.outcome.status !== 'delivered',
  );
  const subject = `${kind === 'delivered' ? 'Delivered' : 'Undelivered'}: ${oneLine(
    input.entry.subject ?? '(no subject)',
  )}`;
  const messageId = `${ulid()}@${input.reportingMta}`;

  // RFC 6522: multipart/report holds a human-readable part, the machine-readable report and
  // the original's headers. The first part may itself be multipart: it carries the attachments.
  const root = new MimeNode('multipart/report; report-type=delivery-status');
  root.setHeader({
    From: input.from,
    To: input.entry.authUser,
    Subject: subject,
    Date: input.now.toUTCString().replace('GMT', '+0000'),
    'Message-ID': `<${messageId}>`,
    'Auto-Submitted': 'auto-replied',
  });
  if (input.entry.messageId) {
    root.setHeader('In-Reply-To', `<${input.entry.messageId}>`);
    root.setHeader('References', `<${input.entry.messageId}>`);
  }
  const human = root.createChild('multipart/mixed');
  human.createChild('text/plain; charset=utf-8').setContent(summary(input, recipients, kind));
  human
    .createChild('text/plain; charset=utf-8', { filename: 'transcript.txt' })
    .setContent(renderTranscriptText(input.transcripts));
  human
    .createChild('application/json', { filename: 'transcript.json' })
    .setContent(JSON.stringify(input.transcripts, null, 2));
  root.createChild('message/delivery-status').setContent(deliveryStatus(input, recipients, kind));
  root.createChild('text/rfc822-headers').setContent(input.originalHeaders);
  const raw = await root.build();
  return { raw, messageId, subject };
}

interface Decided {
  outcome: RecipientOutcome;
  transcript: Transcript;
}

/** Each recipient with the transcript of the connection that decided it. */
function lastOutcomes(transcripts: readonly Transcript[]): Decided[] {
  const decided = new Map<string, Decided>();
  for (const transcript of transcripts) {
    for (const outcome of transcript.recipients) {
      decided.set(outcome.address, { outcome, transcript });
    }
  }
  return [...decided.values()];
}

function summary(input: ReceiptInput, recipients: readonly Decided[], kind: Kind): string {
  const { entry } = input;
  const lines = [
    kind === 'delivered'
      ? "Your message was accepted by the recipient's mail server."
      : 'Your message could not be delivered to the recipients below.',
    '',
    `Subject:   ${oneLine(entry.subject ?? '(no subject)')}`,
    `Queue id:  ${entry.queueId} (Zajoni)`,
    `Submitted: ${entry.submittedAt}`,
    `SHA-256:   ${entry.sha256}`,
    '',
  ];
  for (const { outcome, transcript } of recipients) {
    const reply = outcome.reply ?? transcript.finalReply;
    const server = transcript.mx ? `${transcript.mx.host} [${transcript.mx.ip ?? '?'}]` : 'none';
    lines.push(
      `Recipient:         ${outcome.address}`,
      `Server:            ${server}`,
      `Time:              ${transcript.endedAt}`,
      `Server's queue id: ${outcome.remoteQueueId ?? transcript.remoteQueueId ?? '(not given)'}`,
      `Server's reply:    ${reply ? replyText(reply) : (outcome.reason ?? '(none)')}`,
      `TLS:               ${describeTls(transcript.tls)}`,
      '',
    );
  }
  lines.push(
    'The whole SMTP conversation is attached as transcript.txt and transcript.json.',
    "Give the server's queue id to the recipient's mail administrator to trace the message.",
  );
  return lines.join('\r\n');
}

/** The machine-readable part, fields per RFC 3464 section 2. */
function deliveryStatus(input: ReceiptInput, recipients: readonly Decided[], kind: Kind): string {
  const date = (iso: string) => new Date(iso).toUTCString().replace('GMT', '+0000');
  const fields = [
    `Reporting-MTA: dns; ${input.reportingMta}`,
    `X-Zajoni-Queue-ID: ${input.entry.queueId}`,
    `Arrival-Date: ${date(input.entry.submittedAt)}`,
    '',
  ];
  for (const { outcome, transcript } of recipients) {
    const reply = outcome.reply ?? transcript.finalReply;
    fields.push(
      `Final-Recipient: rfc822; ${outcome.address}`,
      `Action: ${kind === 'delivered' ? 'delivered' : 'failed'}`,
      `Status: ${statusOf(outcome, reply)}`,
    );
    if (transcript.mx) fields.push(`Remote-MTA: dns; ${transcript.mx.host}`);
    if (reply) fields.push(`Diagnostic-Code: smtp; ${replyText(reply)}`);
    fields.push(`Last-Attempt-Date: ${date(transcript.endedAt)}`, '');
  }
  return fields.join('\r\n');
}

function statusOf(outcome: RecipientOutcome, reply: Reply | null): string {
  if (reply?.enhanced) return reply.enhanced;
  if (outcome.status === 'delivered') return '2.0.0';
  return outcome.status === 'deferred' ? '4.0.0' : '5.0.0';
}

/** A reply on one line; multi-line replies joined, as DSN fields are single lines. */
function replyText(reply: Reply): string {
  return oneLine(reply.lines.join(' '));
}

/** Header and field values never carry CR or LF, whatever the original message held. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

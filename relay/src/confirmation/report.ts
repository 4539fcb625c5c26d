import MimeNode from 'nodemailer/lib/mime-node';
import { newUlid } from '#shared';
import type { QueuedMessage, Transcript } from '#shared';
import { renderTranscriptText } from '../transcript/index.ts';
import { renderDeliveryStatus } from './delivery-status.ts';
import { ReceiptError } from './errors.ts';
import { actionFor, lastOutcomes, statusFor, type ReportedRecipient } from './reported.ts';
import { renderSummary } from './summary.ts';

export interface ReceiptInput {
  /** The message the receipt reports on; a user's message, never a receipt. */
  entry: QueuedMessage;
  /** Every transcript of the delivery round, in order; the last naming a recipient decides it. */
  transcripts: readonly Transcript[];
  /** The original message's header block, returned as text/rfc822-headers; '' to leave it out. */
  originalHeaders: string | Buffer;
  /** The receipt's Date. */
  now: Date;
  /** This relay's host name: Reporting-MTA and the Message-ID's domain. */
  reportingMta: string;
  /** The relay's postmaster address the receipt comes from, e.g. postmaster@relay.example. */
  from: string;
  /** When the relay accepted the message; default the entry's submittedAt. */
  arrivalDate?: Date;
  /** The message's lifetime is over: deferred recipients are reported as failed (4.4.7). */
  expired?: boolean;
}

/** A receipt ready to queue: the whole RFC 5322 message. */
export interface Receipt {
  raw: Buffer;
  /** The receipt's Message-ID, without angle brackets. */
  messageId: string;
  subject: string;
}

/**
 * The sender's proof of delivery: an RFC 3464 report on the recipients whose servers accepted
 * the message, with each server's reply and queue id and the transcripts attached. Throws
 * ReceiptError when no recipient was delivered.
 */
export async function buildConfirmation(input: ReceiptInput): Promise<Receipt> {
  const recipients = reportable(input).filter((r) => r.action === 'delivered');
  return buildReport(input, recipients, 'Delivered');
}

/**
 * A failure notice (RFC 3464): the recipients that bounced, those still delayed (or failed, once
 * `expired`), with the transcripts. Throws ReceiptError when every recipient was delivered.
 */
export async function buildFailureNotice(input: ReceiptInput): Promise<Receipt> {
  const recipients = reportable(input).filter((r) => r.action !== 'delivered');
  const failed = recipients.some((r) => r.action === 'failed');
  return buildReport(input, recipients, failed ? 'Undelivered' : 'Delayed');
}

/** Who gets a receipt: the authenticated user when that is an address, else the sender. */
export function receiptRecipient(entry: QueuedMessage): string {
  if (entry.authUser.includes('@')) return entry.authUser;
  if (entry.sender.includes('@')) return entry.sender;
  throw new ReceiptError(`no address to send a receipt for ${entry.queueId} to`);
}

function reportable(input: ReceiptInput): ReportedRecipient[] {
  // RFC 3461 section 6.2: no report is ever sent about a report.
  if (input.entry.kind !== 'message') {
    throw new ReceiptError(`${input.entry.queueId} is a ${input.entry.kind}; receipts get none`);
  }
  return lastOutcomes(input.transcripts).map(({ outcome, transcript }) => {
    const action = actionFor(outcome, input.expired ?? false);
    return { outcome, transcript, action, status: statusFor(outcome, action) };
  });
}

async function buildReport(
  input: ReceiptInput,
  recipients: ReportedRecipient[],
  verdict: string,
): Promise<Receipt> {
  const { entry } = input;
  if (recipients.length === 0) {
    throw new ReceiptError(`nothing to report as ${verdict.toLowerCase()} for ${entry.queueId}`);
  }
  const subject = singleLine(`${verdict}: ${entry.subject ?? '(no subject)'}`);
  const messageId = `${newUlid()}@${input.reportingMta}`;
  const root = createRoot(input, subject, messageId);
  appendHumanPart(root, entry, recipients, input.transcripts);
  root.createChild('message/delivery-status').setContent(
    renderDeliveryStatus({
      reportingMta: input.reportingMta,
      queueId: entry.queueId,
      arrivalDate: input.arrivalDate ?? new Date(entry.submittedAt),
      recipients,
    }),
  );
  appendHeadersPart(root, input.originalHeaders);
  try {
    return { raw: await root.build(), messageId, subject };
  } catch (error) {
    throw new ReceiptError(`cannot build the receipt for ${entry.queueId}`, { cause: error });
  }
}

/**
 * RFC 6522 section 3: multipart/report with report-type delivery-status. Header values are
 * encoded by MimeNode, which turns CR and LF in them into spaces, so nothing taken from the
 * original message (subject, Message-ID) can add a header.
 */
function createRoot(input: ReceiptInput, subject: string, messageId: string): MimeNode {
  const root = new MimeNode('multipart/report; report-type=delivery-status');
  root.setHeader('From', input.from);
  root.setHeader('To', receiptRecipient(input.entry));
  root.setHeader('Subject', subject);
  root.setHeader('Date', input.now);
  root.setHeader('Message-ID', `<${messageId}>`);
  // RFC 3834 section 5: marks the receipt as automatic, so that nobody auto-replies to it.
  root.setHeader('Auto-Submitted', 'auto-replied');
  if (input.entry.messageId) {
    root.setHeader('In-Reply-To', `<${input.entry.messageId}>`);
    root.setHeader('References', `<${input.entry.messageId}>`);
  }
  return root;
}

/** RFC 6522 section 3: the first part is for people; a multipart/mixed carries the attachments. */
function appendHumanPart(
  root: MimeNode,
  entry: QueuedMessage,
  recipients: readonly ReportedRecipient[],
  transcripts: readonly Transcript[],
) {
  const human = root.createChild('multipart/mixed');
  human.createChild('text/plain').setContent(renderSummary(entry, recipients));
  const text = renderTranscriptText(transcripts).replace(/\n/g, '\r\n');
  human.createChild('text/plain', { filename: 'transcript.txt' }).setContent(text);
  const json = JSON.stringify(transcripts, null, 2);
  human.createChild('application/json', { filename: 'transcript.json' }).setContent(json);
}

/** RFC 6522 section 3: the optional third part, the original's header block with CRLF ends. */
function appendHeadersPart(root: MimeNode, originalHeaders: string | Buffer) {
  const text = typeof originalHeaders === 'string' ? originalHeaders : originalHeaders.toString();
  const headers = text.replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '\r\n');
  if (!headers.trim()) return;
  const ascii = [...headers].every((c) => c.charCodeAt(0) < 0x80);
  root
    .createChild(ascii ? 'text/rfc822-headers' : 'text/rfc822-headers; charset=utf-8')
    .setContent(headers);
}

function singleLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

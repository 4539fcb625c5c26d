import { foldLines } from 'nodemailer/lib/mime-funcs';
import type { ReportedRecipient } from './reported.ts';

export interface DeliveryStatusInput {
  /** This relay's host name (RFC 3464 section 2.2.2). */
  reportingMta: string;
  /** Zajoni's queue id, as an extension field. */
  queueId: string;
  /** When the relay accepted the message (RFC 3464 section 2.2.5). */
  arrivalDate: Date;
  recipients: readonly ReportedRecipient[];
}

/**
 * The message/delivery-status body (RFC 3464 section 2.1): the per-message fields, then one block
 * per recipient, blocks separated by an empty line. Fields are US-ASCII and folded at 76
 * columns, so long multi-line replies stay within line limits; non-ASCII is escaped.
 */
export function renderDeliveryStatus(input: DeliveryStatusInput): string {
  const blocks = [
    [
      field('Reporting-MTA', `dns; ${input.reportingMta}`),
      field('X-Zajoni-Queue-Id', input.queueId),
      field('Arrival-Date', rfc5322Date(input.arrivalDate)),
    ],
    ...input.recipients.map(recipientFields),
  ];
  return blocks.map((fields) => `${fields.join('\r\n')}\r\n`).join('\r\n');
}

function recipientFields(r: ReportedRecipient): string[] {
  const { outcome, transcript } = r;
  const fields = [
    field('Final-Recipient', dsnAddress(outcome.address)),
    field('Action', r.action),
    field('Status', r.status),
  ];
  // RFC 3464 section 2.3.5: the server that gave the diagnostic, when one was reached.
  if (transcript.mx) fields.push(field('Remote-MTA', `dns; ${transcript.mx.host}`));
  if (outcome.reply)
    fields.push(field('Diagnostic-Code', `smtp; ${outcome.reply.lines.join(' ')}`));
  else if (outcome.reason) fields.push(field('X-Zajoni-Reason', outcome.reason));
  if (outcome.remoteQueueId) fields.push(field('X-Remote-Queue-Id', outcome.remoteQueueId));
  fields.push(field('Last-Attempt-Date', rfc5322Date(new Date(transcript.endedAt))));
  return fields;
}

function field(name: string, value: string): string {
  return foldLines(`${name}: ${dsnText(value)}`, 76);
}

/**
 * An address as RFC 3464 section 2.3.2 wants it: `rfc822; …` when ASCII, otherwise RFC 6533's
 * `utf-8` type in its ASCII form, each non-ASCII character as `\x{HEX}`.
 */
export function dsnAddress(address: string): string {
  const ascii = [...address].every((c) => c.charCodeAt(0) < 0x80);
  return ascii ? `rfc822; ${address}` : `utf-8; ${escapeUnicode(address)}`;
}

/** Field text: controls become spaces (no field can be split), non-ASCII becomes `\x{HEX}`. */
export function dsnText(text: string): string {
  let safe = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    safe += code < 0x20 || code === 0x7f ? ' ' : char;
  }
  return escapeUnicode(safe);
}

// RFC 6533 section 3 / RFC 5137 section 5.1: EmbeddedUnicodeChar.
function escapeUnicode(text: string): string {
  let escaped = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    escaped += code < 0x80 ? char : `\\x{${code.toString(16).toUpperCase().padStart(2, '0')}}`;
  }
  return escaped;
}

/** A date as RFC 5322 section 3.3 writes it, in UTC. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import libmime from 'libmime';

/** What the relay records about a submitted message; never its content. */
export interface MessageFacts {
  messageId: string | null;
  subject: string | null;
  size: number;
  sha256: string;
  /** The header block as queued, for the text/rfc822-headers part of receipts. */
  headers: string;
}

/** RFC 5322 section 2.1.1: a line is at most 998 octets, not counting its CRLF. */
export const MAX_LINE_OCTETS = 998;

/**
 * Reads the DATA stream to its end, or null once smtp-server marks it over the SIZE limit (the
 * rest is drained, not kept). Rejects when the client goes away mid-message: the stream then
 * emits `error` and `close` without `end` (smtp-server), and a half message is never queued.
 */
export async function readMessage(stream: Readable): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let oversized = false;
  // Async iteration settles on `error` and `close` as well as on `end`, and removes its listeners.
  for await (const chunk of stream) {
    oversized ||= (stream as Readable & { sizeExceeded?: boolean }).sizeExceeded === true;
    if (!oversized) chunks.push(chunk as Buffer);
  }
  oversized ||= (stream as Readable & { sizeExceeded?: boolean }).sizeExceeded === true;
  return oversized ? null : Buffer.concat(chunks);
}

/** Whether any line of `message` (CRLF line ends) is longer than `limit` octets. */
export function hasLongLine(message: Buffer, limit = MAX_LINE_OCTETS): boolean {
  let start = 0;
  while (start < message.length) {
    const end = message.indexOf('\r\n', start);
    const stop = end === -1 ? message.length : end;
    if (stop - start > limit) return true;
    start = stop + 2;
  }
  return false;
}

/**
 * Rewrites every bare CR and bare LF as CRLF. RFC 5321 section 2.3.8 forbids them on the wire and
 * strict servers (Postfix 3.9+, Exchange Online) refuse them, so the copy Zajoni queues, hashes
 * and delivers is the canonical one.
 */
export function normalizeLineEndings(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  if (!/\r(?!\n)|(?<!\r)\n/.test(text)) return raw;
  return Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');
}

/** Size, hash and the few headers the transcript names the message by. */
export function describeMessage(message: Buffer): MessageFacts {
  const end = message.indexOf('\r\n\r\n');
  const headers = message.subarray(0, end === -1 ? message.length : end + 2).toString('utf8');
  const parsed = libmime.decodeHeaders(headers, { skipPrototypeKeys: true });
  const first = (name: string): string | null => parsed[name]?.[0]?.toString() ?? null;
  const subject = first('subject');
  const messageId = first('message-id')?.trim().replace(/^<|>$/g, '') || null;
  return {
    messageId,
    subject: subject === null ? null : libmime.decodeWords(subject),
    size: message.length,
    sha256: createHash('sha256').update(message).digest('hex'),
    headers,
  };
}

export interface TraceInput {
  queueId: string;
  relayHostName: string;
  /** Name the client gave in EHLO/HELO. */
  clientHelo: string;
  clientAddress: string;
  /** Reverse DNS name of the client, when smtp-server resolved one. */
  clientHostName: string | null;
  tls: boolean;
  recipients: readonly string[];
  now: Date;
}

/**
 * The Received header this relay adds (RFC 5321 section 4.4), protocol names per RFC 3848.
 * The recipient is named only for single-recipient messages, so a Bcc recipient is not revealed
 * to the others.
 */
export function receivedHeader(input: TraceInput): string {
  const client = input.clientHostName ?? 'unknown';
  const protocol = input.tls ? 'ESMTPSA' : 'ESMTPA';
  const only = input.recipients.length === 1 ? `\r\n\tfor <${input.recipients[0]}>` : '';
  const date = input.now.toUTCString().replace('GMT', '+0000');
  return (
    `Received: from ${input.clientHelo} (${client} [${input.clientAddress}])\r\n` +
    `\tby ${input.relayHostName} (Zajoni) with ${protocol} id ${input.queueId}${only};\r\n` +
    `\t${date}\r\n`
  );
}

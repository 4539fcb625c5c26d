import type { Reply } from '#shared';
import { replyClass, replyTextLines } from './reply.ts';

/**
 * How a known MTA names its queue id in the reply to the end of data. Each pattern runs on the
 * text of one reply line (code and enhanced code removed); the first capture is the id. The more
 * specific formats come first so a generic one cannot claim part of them.
 */
const QUEUE_ID_FORMATS: readonly { mta: string; pattern: RegExp }[] = [
  // Gmail: "250 2.0.0 OK  1700000000 a1si123.456 - gsmtp" (timestamp, then the id)
  { mta: 'gmail', pattern: /^OK\s+\d+\s+(\S+)\s+-\s+gsmtp\s*$/i },
  // Exchange and Microsoft 365: "250 2.6.0 <msg-id> [InternalId=123, Hostname=...] Queued mail..."
  { mta: 'exchange', pattern: /\[InternalId=(\d+)[,\]]/i },
  // Postfix: "250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3"; other MTAs use the same words
  { mta: 'postfix', pattern: /\bqueued as ([0-9A-Za-z][0-9A-Za-z._-]*[0-9A-Za-z])/i },
  // Exim: "250 OK id=1rT4Ab-000123-Cd" (4.97+ ids are longer: 1rT4Ab-00000000123-Cdef)
  { mta: 'exim', pattern: /\bid=([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4})\b/ },
  // Sendmail: "250 2.0.0 4B1Hx0ab012345 Message accepted for delivery"
  {
    mta: 'sendmail',
    pattern: /^((?=[0-9A-Za-z]*\d)[0-9A-Za-z]{8,20}) Message accepted for delivery/i,
  },
  // Microsoft 365 submission: "250 2.0.0 OK <id@host.prod.outlook.com> [Hostname=...]"
  { mta: 'microsoft', pattern: /^OK <([^<>\s]+)> \[Hostname=/i },
  // Amazon SES: "250 Ok 0100018b5c3c0a4f-12345678-...-000000"
  { mta: 'ses', pattern: /^Ok ([0-9a-f]+(?:-[0-9a-f]+){2,})$/i },
];

/**
 * The remote server's queue id from its reply to the end of data, or null when the reply names
 * none in a known format. The reply itself is always kept whole in the transcript, so a format
 * not recognised here loses nothing but the convenience of the parsed id.
 */
export function parseRemoteQueueId(reply: Reply): string | null {
  if (replyClass(reply) !== 2) return null;
  for (const text of replyTextLines(reply)) {
    for (const { pattern } of QUEUE_ID_FORMATS) {
      const id = pattern.exec(text)?.[1];
      if (id) return id;
    }
  }
  return null;
}

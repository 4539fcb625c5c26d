import type { RecipientOutcome } from '#shared';
import type { EhloCapabilities } from './ehlo.ts';

/** Recipients split into those to send to and those refused before any command is sent. */
export interface Screening {
  send: string[];
  refused: RecipientOutcome[];
}

export interface ScreenInput {
  sender: string;
  recipients: readonly string[];
  /** Size of the message as queued, in octets. */
  size: number;
  /** Whether the header block holds bytes above 0x7F (UTF-8 headers, RFC 6532). */
  utf8Headers?: boolean;
  /** Whether the message holds bytes above 0x7F anywhere. */
  eightBit?: boolean;
  capabilities: EhloCapabilities;
  /** The server, as named in reasons: "mx.example.net [192.0.2.1]". */
  server: string;
}

/** True when an address is not plain ASCII and can only be sent with SMTPUTF8 (RFC 6531). */
export function needsSmtpUtf8(address: string): boolean {
  return [...address].some((char) => char.charCodeAt(0) > 0x7f);
}

/**
 * Decides, from the server's EHLO reply, which recipients cannot be sent to over this
 * connection at all. nodemailer checks neither case itself: it would send a UTF-8 address to a
 * server without SMTPUTF8.
 */
export function screenRecipients(input: ScreenInput): Screening {
  const { capabilities, server } = input;

  // RFC 1870 section 6.1: a message larger than the server's fixed maximum will be refused.
  if (capabilities.sizeLimit !== null && input.size > capabilities.sizeLimit) {
    const reason = `5.3.4 message of ${input.size} octets exceeds the ${capabilities.sizeLimit}-octet limit of ${server}`;
    return { send: [], refused: input.recipients.map((r) => bounce(r, reason)) };
  }

  // RFC 6152 section 3: an 8-bit message goes only to a server that offers 8BITMIME. Zajoni
  // does not convert (to quoted-printable); it refuses, as RFC 3463's 5.6.3 describes.
  // LIMITATION: no downgrade to 7 bit, so such a message cannot reach a 7-bit-only server.
  if (input.eightBit && !capabilities.keywords.has('8BITMIME')) {
    const reason = `5.6.3 the message has 8-bit content and ${server} does not offer 8BITMIME (RFC 6152); nothing was sent`;
    return { send: [], refused: input.recipients.map((r) => bounce(r, reason)) };
  }

  // RFC 6531 section 3.2: without SMTPUTF8 offered, a UTF-8 envelope or UTF-8 headers must not
  // be sent. LIMITATION: nodemailer adds the SMTPUTF8 parameter only for a UTF-8 envelope, so
  // a message with UTF-8 headers and an ASCII envelope goes to an SMTPUTF8 server without it.
  if (capabilities.keywords.has('SMTPUTF8')) return { send: [...input.recipients], refused: [] };
  const reason = (what: string) =>
    `5.6.7 ${what} needs SMTPUTF8 (RFC 6531), which ${server} does not offer; nothing was sent`;
  const whole = needsSmtpUtf8(input.sender)
    ? 'the sender address'
    : input.utf8Headers
      ? 'the message header'
      : null;
  const send: string[] = [];
  const refused: RecipientOutcome[] = [];
  for (const r of input.recipients) {
    if (whole) refused.push(bounce(r, reason(whole)));
    else if (needsSmtpUtf8(r)) refused.push(bounce(r, reason('the recipient address')));
    else send.push(r);
  }
  return { send, refused };
}

function bounce(address: string, reason: string): RecipientOutcome {
  return { address, status: 'bounced', reply: null, reason, remoteQueueId: null };
}

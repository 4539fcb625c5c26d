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

  // RFC 6531 section 3.2: without SMTPUTF8 offered, a UTF-8 envelope must not be sent.
  // LIMITATION: only the envelope is checked. A message whose headers are UTF-8 (submitted with
  // SMTPUTF8) but whose addresses are ASCII goes out without the SMTPUTF8 parameter, to any
  // server; a strict server may refuse it or show the headers garbled.
  if (capabilities.keywords.has('SMTPUTF8')) return { send: [...input.recipients], refused: [] };
  const senderNeeds = needsSmtpUtf8(input.sender);
  const reason = (what: string) =>
    `5.6.7 ${what} needs SMTPUTF8 (RFC 6531), which ${server} does not offer; nothing was sent`;
  const send: string[] = [];
  const refused: RecipientOutcome[] = [];
  for (const r of input.recipients) {
    if (senderNeeds) refused.push(bounce(r, reason('the sender address')));
    else if (needsSmtpUtf8(r)) refused.push(bounce(r, reason('the recipient address')));
    else send.push(r);
  }
  return { send, refused };
}

function bounce(address: string, reason: string): RecipientOutcome {
  return { address, status: 'bounced', reply: null, reason, remoteQueueId: null };
}

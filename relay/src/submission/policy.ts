import { domainToASCII } from 'node:url';
import { SmtpReplyError } from '../errors.ts';

/** Replies the submission service sends on purpose; each names the problem for the person. */
export const replies = {
  badCredentials: () => new SmtpReplyError(535, '5.7.8', 'Authentication credentials invalid'),
  authUnavailable: () =>
    new SmtpReplyError(454, '4.7.0', 'Temporary authentication failure, try again later'),
  // RFC 4954 section 6: 454 4.7.0 is the temporary failure of AUTH. The connection stays open
  // (421 would close it), but every attempt is refused until the limit releases.
  authRateLimited: (retryAfterSeconds: number | undefined) =>
    new SmtpReplyError(
      454,
      '4.7.0',
      'Too many failed authentication attempts, try again ' +
        (retryAfterSeconds === undefined ? 'later' : `in ${retryAfterSeconds} seconds`),
    ),
  proxyAuth: () =>
    new SmtpReplyError(535, '5.7.8', 'Authorization identity must be empty or equal the user'),
  senderMismatch: (address: string) =>
    new SmtpReplyError(550, '5.7.1', `Sender address must be your own address <${address}>`),
  quotaReached: (limit: number, nextSlot: Date) =>
    new SmtpReplyError(
      451,
      '4.7.1',
      `Daily limit of ${limit} messages reached; next message may be sent after ` +
        `${nextSlot.toISOString()}`,
    ),
  tooManyRecipients: (limit: number) =>
    new SmtpReplyError(452, '4.5.3', `Too many recipients, at most ${limit} per message`),
  recipientWithoutDomain: () =>
    new SmtpReplyError(501, '5.1.3', 'Recipient address must include a domain'),
  queueUnavailable: () =>
    new SmtpReplyError(451, '4.3.0', 'Cannot queue the message now, try again later'),
  interrupted: () => new SmtpReplyError(451, '4.3.0', 'Message not received in full'),
  tooLarge: () => new SmtpReplyError(552, '5.3.4', 'Message exceeds the maximum size'),
  lineTooLong: (limit: number) =>
    new SmtpReplyError(
      554,
      '5.6.0',
      `Message has a line longer than ${limit} octets (RFC 5322 section 2.1.1); ` +
        'send it with quoted-printable or base64 encoding',
    ),
  controlCharacters: () =>
    new SmtpReplyError(
      501,
      '5.5.4',
      'Control characters are not allowed in addresses or parameters',
    ),
} as const;

/** RFC 5321 treats the local part as case-sensitive and the domain as not. */
export function sameMailbox(a: string, b: string): boolean {
  const split = (address: string) => {
    const at = address.lastIndexOf('@');
    return [address.slice(0, at), address.slice(at + 1).toLowerCase()] as const;
  };
  const [localA, domainA] = split(a);
  const [localB, domainB] = split(b);
  return localA === localB && domainA === domainB;
}

/** The domain of an address, lower-cased; null when it has none. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? address.slice(at + 1).toLowerCase() : null;
}

/** C0 controls and DEL: never part of an address or an ESMTP parameter (RFC 5321 section 4.1.2). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Whether an address or any of its ESMTP parameters holds a control character. smtp-server
 * refuses most such input itself; this check is the relay's own, so a parser change cannot let
 * CR/LF reach a queue entry or the command the relay writes to a recipient's server.
 */
export function hasControlCharacters(address: string, args: Record<string, unknown> | false) {
  if (CONTROL.test(address)) return true;
  if (!args) return false;
  return Object.entries(args).some(
    ([key, value]) => CONTROL.test(key) || (typeof value === 'string' && CONTROL.test(value)),
  );
}

/**
 * The address with its domain in ASCII (A-label) form. smtp-server turns `xn--` labels into
 * Unicode; kept that way, an ASCII address the client gave would need SMTPUTF8 on delivery
 * (RFC 6531), so a server without it would lose the message. The local part is left as given.
 */
export function withAsciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  const domain = address.slice(at + 1);
  if (domain.startsWith('[')) return address;
  const ascii = domainToASCII(domain);
  return ascii ? `${address.slice(0, at + 1)}${ascii}` : address;
}

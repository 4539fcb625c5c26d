import { hostNameSchema } from '#shared';
import { InvalidAddressError } from '../errors.ts';

/** RFC 5321 section 4.5.3.1.1: at most 64 octets of local part. */
const MAX_LOCAL_PART_OCTETS = 64;

/** Whitespace, control characters, and the angle brackets that delimit paths in SMTP. */
const FORBIDDEN = /[\s\p{Cc}<>]/u;

/**
 * Puts an account address in its stored form: the domain lowercased (domains are
 * case-insensitive), the local part kept as given (RFC 5321 section 2.4 lets the receiving host
 * decide its case). Throws InvalidAddressError for anything that is not `local@host.name`.
 */
export function normalizeAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) {
    throw new InvalidAddressError(address, 'must be local-part@domain');
  }
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  if (FORBIDDEN.test(address) || local.includes('@')) {
    throw new InvalidAddressError(
      address,
      'contains a space, a control character, <, > or a second @',
    );
  }
  if (Buffer.byteLength(local, 'utf8') > MAX_LOCAL_PART_OCTETS) {
    throw new InvalidAddressError(address, 'local part is longer than 64 octets');
  }
  if (!hostNameSchema.safeParse(domain).success) {
    // LIMITATION: internationalized domains must be given as A-labels (xn--…); a U-label domain
    // is refused rather than converted.
    throw new InvalidAddressError(
      address,
      'domain must be a host name (letters, digits, dots, hyphens)',
    );
  }
  return `${local}@${domain}`;
}

/** normalizeAddress, or undefined for an address that has no stored form. */
export function tryNormalizeAddress(address: string): string | undefined {
  try {
    return normalizeAddress(address);
  } catch (error) {
    if (error instanceof InvalidAddressError) return undefined;
    throw error;
  }
}

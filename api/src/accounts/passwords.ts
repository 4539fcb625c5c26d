import { argon2id, hash, verify } from 'argon2';
import { InvalidPasswordError } from '../errors.ts';

/** Shortest password an account may be given (characters). */
export const MIN_PASSWORD_LENGTH = 8;

/** Longest password accepted (characters): keeps hashing cost bounded. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * argon2id with the library's defaults: 64 MiB memory, 3 passes, parallelism 4 (within OWASP's
 * recommended range). The parameters travel inside each hash, so raising them later keeps old
 * hashes verifiable.
 */
const HASH_OPTIONS = { type: argon2id } as const;

let dummyHash: Promise<string> | undefined;

/** Hashes a new account password; throws InvalidPasswordError when it is too short or long. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidPasswordError(`password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidPasswordError(`password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  return hash(password, HASH_OPTIONS);
}

/**
 * Checks a password against a stored hash. With no hash (unknown account) it still verifies,
 * against a hash of a random secret made with the same parameters, so the time taken does not
 * tell a caller whether the account exists. Always false in that case, and for a password
 * longer than MAX_PASSWORD_LENGTH.
 */
export async function verifyPassword(
  storedHash: string | null,
  password: string,
): Promise<boolean> {
  // An over-long password can never have been set; refuse it at the cost of one normal verify.
  const tooLong = password.length > MAX_PASSWORD_LENGTH;
  if (storedHash === null || tooLong) {
    dummyHash ??= hash(crypto.randomUUID(), HASH_OPTIONS);
    await verify(await dummyHash, password.slice(0, MAX_PASSWORD_LENGTH));
    return false;
  }
  return verify(storedHash, password);
}

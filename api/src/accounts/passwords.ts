import { argon2id, hash, needsRehash, verify } from 'argon2';
import { InvalidPasswordError } from '../errors.ts';

/** Shortest password an account may be given (characters). */
export const MIN_PASSWORD_LENGTH = 8;

/** Longest password accepted (characters): keeps hashing cost bounded. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * argon2id with OWASP's first recommended setting (Password Storage Cheat Sheet): 19 MiB memory
 * (memoryCost in KiB), 2 passes, parallelism 1. The parameters travel inside each hash, so hashes
 * made with other ones (the library's 64 MiB, 3 passes, parallelism 4 until December 2026) still
 * verify, and are replaced on the next successful check (see passwordNeedsRehash).
 */
export const HASH_OPTIONS = {
  type: argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

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
 * For a password just verified against `storedHash`: a hash of it with HASH_OPTIONS when the
 * stored one was made with other parameters (or is not argon2id), else null. No length checks:
 * the password is already the account's.
 */
export async function upgradedHash(storedHash: string, password: string): Promise<string | null> {
  const { memoryCost, timeCost, parallelism } = HASH_OPTIONS;
  const current =
    storedHash.startsWith('$argon2id$') &&
    !needsRehash(storedHash, { memoryCost, timeCost, parallelism });
  return current ? null : hash(password, HASH_OPTIONS);
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

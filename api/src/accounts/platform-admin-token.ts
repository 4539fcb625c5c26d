import { readFile } from 'node:fs/promises';
import { createHash, timingSafeEqual } from 'node:crypto';
import { PlatformAdminTokenError } from '../errors.ts';

/**
 * Shortest token accepted from PLATFORM_ADMIN_TOKEN_FILE, in characters: 32 random alphanumerics
 * carry about 190 bits. The Helm chart generates 48.
 */
export const MIN_PLATFORM_ADMIN_TOKEN_LENGTH = 32;

/**
 * The id a platform admin authenticated by the configured token has. No platform_admins row
 * has it (ids are ULIDs), so it can own no API tokens.
 */
export const CONFIGURED_ADMIN_ID = 'configured-token';

/** A platform admin token given to the API by its deployment rather than stored in PostgreSQL. */
export interface PlatformAdminToken {
  /** Whether `candidate` is the token; constant time in the candidate's content. */
  matches(candidate: string): boolean;
}

/**
 * The token, kept only as its SHA-256: comparing two digests of fixed length with
 * timingSafeEqual leaks neither the token's content nor its length through timing.
 */
export function createPlatformAdminToken(token: string): PlatformAdminToken {
  if (token.length < MIN_PLATFORM_ADMIN_TOKEN_LENGTH || /\s/.test(token)) {
    const rule = `at least ${MIN_PLATFORM_ADMIN_TOKEN_LENGTH} characters without white space`;
    throw new PlatformAdminTokenError(`the platform admin token must be one line of ${rule}`);
  }
  const digest = sha256(token);
  return { matches: (candidate) => timingSafeEqual(sha256(candidate), digest) };
}

/**
 * Reads the token from a file, e.g. a mounted Kubernetes Secret; one trailing newline is not
 * part of it. Throws PlatformAdminTokenError when the file is unreadable or the token too weak.
 */
export async function loadPlatformAdminToken(path: string): Promise<PlatformAdminToken> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PlatformAdminTokenError(`cannot read PLATFORM_ADMIN_TOKEN_FILE ${path}`, {
      cause: error,
    });
  }
  return createPlatformAdminToken(text.replace(/\r?\n$/, ''));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

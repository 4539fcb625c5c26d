import { createHash, randomBytes } from 'node:crypto';

/**
 * Prefixes of the opaque tokens the API hands out. The prefix tells which table to look in and
 * makes a leaked token recognisable to secret scanners.
 */
export const TOKEN_PREFIX = {
  session: 'zjs_',
  apiToken: 'zjt_',
  passwordReset: 'zjr_',
  addressVerification: 'zjv_',
} as const;
export type TokenKind = keyof typeof TOKEN_PREFIX;

/** 256 random bits, base64url: guessing one is hopeless, so a plain hash protects it at rest. */
const TOKEN_BYTES = 32;

/** A new token of a kind, and the hash to store for it. The token itself is never stored. */
export function newToken(kind: TokenKind): { token: string; hash: string } {
  const token = `${TOKEN_PREFIX[kind]}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

/** SHA-256 of a token, lowercase hex: the form stored and looked up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The kind a token claims by its prefix, or undefined for anything else. */
export function tokenKind(token: string): TokenKind | undefined {
  const kinds = Object.keys(TOKEN_PREFIX) as TokenKind[];
  return kinds.find((kind) => token.startsWith(TOKEN_PREFIX[kind]));
}

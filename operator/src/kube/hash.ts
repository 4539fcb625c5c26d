import { createHash } from 'node:crypto';

/** Annotation holding the hash of what the operator last applied to an object. */
export const APPLIED_HASH_ANNOTATION = 'zajoni.io/applied-hash';

/** JSON with object keys sorted, so equal values always serialise alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** A short, stable digest of a JSON value (first 16 hex digits of SHA-256). */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

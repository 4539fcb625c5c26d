import { z } from 'zod';

/** What a relay sends on AUTH_VERIFY_SUBJECT to check SMTP AUTH credentials. */
export const authRequestSchema = z.object({
  tenant: z.string(),
  username: z.string(),
  password: z.string(),
  /**
   * The SMTP client's IP address, for the per-address limit on failed AUTH attempts. Optional so
   * that a relay of an older version is still answered (then only the per-account limit applies).
   */
  remoteAddress: z.string().optional(),
});
export type AuthRequest = z.infer<typeof authRequestSchema>;

/** Why a check was refused; see each value. */
export const AUTH_REFUSALS = [
  /** Wrong password, unknown user or tenant: all alike, so existence is not revealed. */
  'invalid-credentials',
  /** The API could not decide (database failure, malformed request): answer 4xx. */
  'unavailable',
  /** Too many failed attempts for this account or client address; `retryAfterSeconds` says when. */
  'rate-limited',
] as const;
export type AuthRefusal = (typeof AUTH_REFUSALS)[number];

/** The API's answer. A refusal never says whether the account exists. */
export const authReplySchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    user: z.object({
      id: z.string(),
      /** The account's mail address: the only envelope sender it may use. */
      address: z.string(),
      tenant: z.string(),
      /** Whether the user wants a receipt for each delivered message; true when absent. */
      confirmations: z.boolean().default(true),
    }),
  }),
  z.object({
    ok: z.literal(false),
    reason: z.enum(AUTH_REFUSALS),
    /** With `rate-limited`: seconds until another attempt may succeed. */
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  }),
]);
export type AuthReply = z.infer<typeof authReplySchema>;

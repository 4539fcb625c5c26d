import { z } from 'zod';

/** What a relay sends on AUTH_VERIFY_SUBJECT to check SMTP AUTH credentials. */
export const authRequestSchema = z.object({
  tenant: z.string(),
  username: z.string(),
  password: z.string(),
});
export type AuthRequest = z.infer<typeof authRequestSchema>;

/** The API's answer. A refusal never says whether the account exists. */
export const authReplySchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    user: z.object({
      id: z.string(),
      /** The account's mail address: the only envelope sender it may use. */
      address: z.string(),
      tenant: z.string(),
    }),
  }),
  z.object({ ok: z.literal(false), reason: z.enum(['invalid-credentials', 'unavailable']) }),
]);
export type AuthReply = z.infer<typeof authReplySchema>;

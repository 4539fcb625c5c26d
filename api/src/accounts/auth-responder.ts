import type { Msg, NatsConnection } from '@nats-io/transport-node';
import {
  AUTH_VERIFY_SUBJECT,
  authRequestSchema,
  type AuthReply,
  type AuthRequest,
  type Logger,
} from '#shared';
import type { Pool } from 'pg';
import { checkPassword } from './credentials.ts';
import { createAuthLimiter, DEFAULT_AUTH_LIMITS, type AuthLimiter } from './rate-limit.ts';
import {
  createVerifiedPasswords,
  DEFAULT_AUTH_CACHE_SECONDS,
  type VerifiedPasswords,
} from './verified-passwords.ts';

/** NATS queue group of the responders: each request is answered by one API replica. */
export const AUTH_QUEUE_GROUP = 'zajoni-api';

export interface AuthResponder {
  /** Stops taking requests, answers the ones already received, then resolves. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Answers relays' SMTP AUTH checks on AUTH_VERIFY_SUBJECT: a JSON AuthRequest in, a JSON
 * AuthReply out. Requests are answered concurrently; argon2 runs on libuv's thread pool, which
 * bounds the CPU they use. A mail client logs in once per connection, often once per message:
 * `verified` spares the argon2 verify of a password found right a moment ago.
 */
export function startAuthResponder(
  nc: NatsConnection,
  db: Pool,
  log: Logger,
  limiter: AuthLimiter = createAuthLimiter(db, DEFAULT_AUTH_LIMITS),
  verified: VerifiedPasswords = createVerifiedPasswords(DEFAULT_AUTH_CACHE_SECONDS),
): AuthResponder {
  const responderLog = log.child({ component: 'auth-responder' });
  const sub = nc.subscribe(AUTH_VERIFY_SUBJECT, { queue: AUTH_QUEUE_GROUP });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of sub) {
      const task = answer(msg, db, limiter, verified, responderLog).finally(() =>
        inFlight.delete(task),
      );
      inFlight.add(task);
    }
  })();
  responderLog.info(
    { subject: AUTH_VERIFY_SUBJECT, queue: AUTH_QUEUE_GROUP },
    'auth responder started',
  );
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    await sub.drain();
    await loop;
    await Promise.allSettled(inFlight);
  };
  return { stop: () => (stopped ??= stop()) };
}

async function answer(
  msg: Msg,
  db: Pool,
  limiter: AuthLimiter,
  verified: VerifiedPasswords,
  log: Logger,
): Promise<void> {
  if (!msg.reply) {
    log.warn({ subject: msg.subject }, 'auth request without a reply subject');
    return;
  }
  const reply = await decide(msg, db, limiter, verified, log);
  msg.respond(JSON.stringify(reply));
}

async function decide(
  msg: Msg,
  db: Pool,
  limiter: AuthLimiter,
  verified: VerifiedPasswords,
  log: Logger,
): Promise<AuthReply> {
  const request = parseRequest(msg, log);
  // A malformed request is a relay defect, not a wrong password: answer "try later" (4xx).
  if (!request) return { ok: false, reason: 'unavailable' };

  const requestLog = log.child({ tenant: request.tenant, username: request.username });
  try {
    const credentials = {
      tenant: request.tenant,
      address: request.username,
      password: request.password,
      remoteAddress: request.remoteAddress,
    };
    const check = await checkPassword(db, limiter, credentials, verified);
    if (check.kind === 'rate-limited') {
      const { retryAfterSeconds } = check;
      requestLog.warn({ remoteAddress: request.remoteAddress, retryAfterSeconds }, 'auth limited');
      return { ok: false, reason: 'rate-limited', retryAfterSeconds };
    }
    // A pending sign-up is refused like a wrong password (535): SMTP says nothing more.
    if (check.kind === 'refused' || check.kind === 'unverified') {
      const { remoteAddress } = request;
      requestLog.info({ remoteAddress, outcome: check.kind }, 'auth refused');
      return { ok: false, reason: 'invalid-credentials' };
    }
    requestLog.debug('auth accepted');
    const { id, address, tenant, confirmations } = check.user;
    return { ok: true, user: { id, address, tenant, confirmations } };
  } catch (error) {
    requestLog.error({ err: error }, 'cannot check credentials');
    return { ok: false, reason: 'unavailable' };
  }
}

function parseRequest(msg: Msg, log: Logger): AuthRequest | undefined {
  let body: unknown;
  try {
    body = msg.json();
  } catch {
    log.error({ subject: msg.subject, bytes: msg.data.length }, 'auth request is not JSON');
    return undefined;
  }
  const result = authRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  log.error({ subject: msg.subject, issues }, 'invalid auth request');
  return undefined;
}

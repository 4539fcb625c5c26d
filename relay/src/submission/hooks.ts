import type { Readable } from 'node:stream';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerSession,
} from 'smtp-server';
import type { AuthReply, Logger, QueuedMessage } from '#shared';
import { SmtpReplyError } from '../errors.ts';
import type { BodyRef, QueueStore } from '../queue/index.ts';
import type { Quota } from '../quota/index.ts';
import {
  describeMessage,
  hasLongLine,
  MAX_LINE_OCTETS,
  normalizeLineEndings,
  readMessage,
  receivedHeader,
} from './message.ts';
import { domainOf, hasControlCharacters, replies, sameMailbox, withAsciiDomain } from './policy.ts';
import { sessionUser } from './session.ts';

export interface SubmissionDeps {
  tenant: string;
  relayHostName: string;
  maxRecipients: number;
  /** Asks the API; `remoteAddress` is the client's IP, for the failed-attempt limit. */
  verifyCredentials(username: string, password: string, remoteAddress: string): Promise<AuthReply>;
  quota: Quota;
  queue: QueueStore;
  newQueueId(): string;
  log: Logger;
}

type Done<T = void> = (error?: Error | null, value?: T) => void;

/** smtp-server's hooks: the submission policy, kept out of the protocol engine. */
export function createHooks(deps: SubmissionDeps) {
  const log = (session: SMTPServerSession) => deps.log.child({ session: session.id });

  function fail(session: SMTPServerSession, done: Done<never>, error: unknown, what: string) {
    if (error instanceof SmtpReplyError) return done(error);
    log(session).error({ err: error }, what);
    done(replies.queueUnavailable());
  }

  return {
    onAuth(
      auth: SMTPServerAuthentication,
      session: SMTPServerSession,
      done: Done<SMTPServerAuthenticationResponse>,
    ) {
      authenticate(deps, auth, session.remoteAddress).then(
        (user) => {
          log(session).info({ user: user.address }, 'authenticated');
          done(null, { user });
        },
        (error: unknown) => {
          if (error instanceof SmtpReplyError) {
            log(session).info({ code: error.responseCode }, 'authentication refused');
            return done(error);
          }
          log(session).error({ err: error }, 'cannot check credentials');
          done(replies.authUnavailable());
        },
      );
    },

    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done) {
      const user = sessionUser(session);
      if (!user) return done(replies.badCredentials());
      if (hasControlCharacters(address.address, address.args)) {
        return done(replies.controlCharacters());
      }
      address.address = withAsciiDomain(address.address);
      // The null reverse-path claims no one's address, so it is no forgery (RFC 5321 4.5.5).
      if (address.address !== '' && !sameMailbox(address.address, user.address)) {
        log(session).info({ sender: address.address }, 'sender refused');
        return done(replies.senderMismatch(user.address));
      }
      deps.quota.check(user.id).then(
        (decision) =>
          decision.allowed ? done() : done(replies.quotaReached(decision.limit, decision.nextSlot)),
        (error: unknown) => fail(session, done, error, 'cannot check quota'),
      );
    },

    // LIMITATION: smtp-server splits MAIL and RCPT at spaces, so a quoted local part with a space
    // or `@` in it (`"john doe"@example.org`) is refused with 501 before this hook runs.
    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done) {
      if (hasControlCharacters(address.address, address.args)) {
        return done(replies.controlCharacters());
      }
      // smtp-server keeps this object as the envelope entry, so the queued address is the ASCII one.
      address.address = withAsciiDomain(address.address);
      if (domainOf(address.address) === null) return done(replies.recipientWithoutDomain());
      if (session.envelope.rcptTo.length >= deps.maxRecipients) {
        return done(replies.tooManyRecipients(deps.maxRecipients));
      }
      done();
    },

    onData(stream: Readable, session: SMTPServerSession, done: Done<string>) {
      accept(deps, stream, session).then(
        (queueId) => done(null, `Ok: queued as ${queueId}`),
        (error: unknown) => fail(session, done, error, 'cannot queue message'),
      );
    },
  };
}

async function authenticate(
  deps: SubmissionDeps,
  auth: SMTPServerAuthentication,
  remoteAddress: string,
) {
  // For PLAIN the identity checked is the authentication identity (authcid); an empty one never
  // authenticates, whatever the authorization identity (authzid) names (RFC 4616 section 2).
  const { authcid, authzid } = auth as { authcid?: string; authzid?: string };
  const username = authcid ?? auth.username ?? '';
  if (username === '' || !auth.password) throw replies.badCredentials();
  if (authzid && authzid !== username) throw replies.proxyAuth();
  const reply = await deps.verifyCredentials(username, auth.password, remoteAddress);
  if (reply.ok) return reply.user;
  if (reply.reason === 'unavailable') throw replies.authUnavailable();
  if (reply.reason === 'rate-limited') throw replies.authRateLimited(reply.retryAfterSeconds);
  throw replies.badCredentials();
}

async function accept(deps: SubmissionDeps, stream: Readable, session: SMTPServerSession) {
  const user = sessionUser(session);
  if (!user) throw replies.badCredentials();
  const raw = await readMessage(stream).catch((error: unknown) => {
    throw new SmtpReplyError(451, '4.3.0', 'Message not received in full', { cause: error });
  });
  // Over the limit whatever SIZE the client declared: the count is of the bytes received.
  // smtp-server then answers 552 5.3.4 itself; it still calls us.
  if (raw === null) throw replies.tooLarge();
  const now = new Date();
  const queueId = deps.newQueueId();
  const recipients = session.envelope.rcptTo.map((r) => r.address);
  const trace = receivedHeader({
    queueId,
    relayHostName: deps.relayHostName,
    clientHelo: session.hostNameAppearsAs,
    clientAddress: session.remoteAddress,
    clientHostName: session.clientHostname || null,
    tls: session.secure,
    recipients,
    now,
  });
  const message = normalizeLineEndings(raw);
  // Refused rather than folded: the relay certifies the hash of what it delivers, so it never
  // rewrites the user's content, and a server further on would otherwise break the line itself.
  if (hasLongLine(message)) throw replies.lineTooLong(MAX_LINE_OCTETS);
  const body = Buffer.concat([Buffer.from(trace, 'latin1'), message]);
  const facts = describeMessage(body);
  const reserved = await deps.quota.reserve(user.id, now);
  if (!reserved.allowed) throw replies.quotaReached(reserved.limit, reserved.nextSlot);

  const mailFrom = session.envelope.mailFrom;
  const entry: QueuedMessage = {
    queueId,
    tenant: deps.tenant,
    kind: 'message',
    sender: mailFrom ? mailFrom.address : '',
    recipients,
    authUser: user.address,
    smtpUtf8: Boolean((session.envelope as { smtpUtf8?: boolean }).smtpUtf8),
    body: mailFrom && mailFrom.args && mailFrom.args.BODY === '8BITMIME' ? '8bitmime' : '7bit',
    size: facts.size,
    sha256: facts.sha256,
    messageId: facts.messageId,
    subject: facts.subject,
    submittedAt: now.toISOString(),
    about: null,
    attempt: 1,
    notBefore: null,
    confirm: user.confirmations,
    bodyStore: deps.queue.bodyStoreFor(queueId, body.length),
  };
  try {
    await deps.queue.enqueue(entry, body, `${queueId}.1`);
  } catch (error) {
    // The client is told 451 and will send again, so this copy must not be delivered.
    withdraw(deps, entry);
    await deps.quota.release(user.id, now).catch((e: unknown) => {
      deps.log.warn({ err: e, queueId }, 'cannot give back quota slot');
    });
    throw error;
  }
  deps.log.info(
    { session: session.id, queueId, recipients: recipients.length, size: facts.size },
    'message queued',
  );
  return queueId;
}

/** How long, and how often, a refused message's body is retried for deletion, in ms. */
const WITHDRAW_FOR_MS = 120_000;
const WITHDRAW_EVERY_MS = 1_000;

/**
 * Deletes the body of a message the client was refused, retrying while NATS is away: a
 * publish can time out after JetStream stored the entry, and the worker drops an entry whose
 * body is gone instead of delivering a message the client will send again.
 *
 * LIMITATION: if the worker takes such an entry before the body is deleted (NATS back, delete
 * not yet retried), the recipient gets the message as well as the client's second copy.
 */
function withdraw(deps: SubmissionDeps, entry: BodyRef) {
  const { queueId } = entry;
  const deadline = Date.now() + WITHDRAW_FOR_MS;
  const attempt = () => {
    deps.queue.removeBody(entry).then(
      () => deps.log.info({ queueId }, 'refused message withdrawn'),
      (error: unknown) => {
        if (Date.now() < deadline) return void setTimeout(attempt, WITHDRAW_EVERY_MS).unref();
        deps.log.error({ err: error, queueId }, 'cannot withdraw refused message');
      },
    );
  };
  attempt();
}

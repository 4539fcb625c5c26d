import type { Readable } from 'node:stream';
import type {
  SMTPServerAddress,
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerSession,
} from 'smtp-server';
import type { AuthReply, Logger, QueuedMessage } from '#shared';
import { SmtpReplyError } from '../errors.ts';
import type { QueueStore } from '../queue/index.ts';
import type { Quota } from '../quota/index.ts';
import { describeMessage, normalizeLineEndings, readMessage, receivedHeader } from './message.ts';
import { domainOf, replies, sameMailbox } from './policy.ts';
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

    onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done) {
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
  // smtp-server answers 552 itself for a message over SIZE; it still calls us.
  if ((stream as Readable & { sizeExceeded?: boolean }).sizeExceeded) {
    throw new SmtpReplyError(552, '5.3.4', 'Message exceeds the maximum size');
  }
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
  const body = Buffer.concat([Buffer.from(trace, 'latin1'), normalizeLineEndings(raw)]);
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
  };
  try {
    await deps.queue.enqueue(entry, body, `${queueId}.1`);
  } catch (error) {
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

import { createHash } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import MailComposer from 'nodemailer/lib/mail-composer';
import { ulid } from 'ulid';
import { queueSubject, type Quota, type QueuedMessage } from '#shared';
import type { User } from '../accounts/users.ts';
import { QuotaReachedError } from '../errors.ts';

/** Subject of the console's test message; the guide tells people to look for it. */
export const TEST_MESSAGE_SUBJECT = 'Zajoni test message';

/** A queued test message. */
export interface QueuedTestMessage {
  readonly queueId: string;
  readonly recipient: string;
  readonly submittedAt: Date;
}

export interface TestMessageSender {
  /** Queues a message from `user` to `user`; throws QuotaReachedError when no slot is free. */
  send(user: User, now?: Date): Promise<QueuedTestMessage>;
}

/**
 * Sends test messages down the path a mail client's message takes after SMTP: a slot of the
 * account's quota (the relay's own compare-and-set store), the body in the body bucket, then a
 * `message` entry on the tenant's queue subject. The relay delivers it to the account's own MX,
 * the API records its transcript, and a confirmation follows when the account wants them.
 */
export function createTestMessageSender(
  js: JetStreamClient,
  bodies: ObjectStore,
  quota: Quota,
): TestMessageSender {
  return {
    async send(user, now = new Date()) {
      const reserved = await quota.reserve(user.id, now);
      if (!reserved.allowed) {
        const seconds = Math.ceil((reserved.nextSlot.getTime() - now.getTime()) / 1000);
        throw new QuotaReachedError(reserved.limit, Math.max(1, seconds));
      }
      try {
        return await queue(js, bodies, user, now);
      } catch (error) {
        // As the relay does: a message that was not queued gives its slot back.
        await quota.release(user.id, now).catch(() => undefined);
        throw error;
      }
    },
  };
}

async function queue(
  js: JetStreamClient,
  bodies: ObjectStore,
  user: User,
  now: Date,
): Promise<QueuedTestMessage> {
  const queueId = ulid();
  const domain = user.address.slice(user.address.lastIndexOf('@') + 1);
  const messageId = `${queueId}@${domain}`;
  const raw = await compose(user.address, messageId, now);
  const entry: QueuedMessage = {
    queueId,
    tenant: user.tenant,
    kind: 'message',
    sender: user.address,
    recipients: [user.address],
    authUser: user.address,
    smtpUtf8: false,
    body: '8bitmime',
    size: raw.length,
    sha256: createHash('sha256').update(raw).digest('hex'),
    messageId,
    subject: TEST_MESSAGE_SUBJECT,
    submittedAt: now.toISOString(),
    about: null,
    attempt: 1,
    notBefore: null,
    confirm: user.confirmations,
    bodyStore: 'object',
  };
  await bodies.putBlob({ name: queueId }, raw);
  await js.publish(queueSubject(user.tenant), JSON.stringify(entry), { msgID: `${queueId}.1` });
  return { queueId, recipient: user.address, submittedAt: now };
}

async function compose(address: string, messageId: string, now: Date): Promise<Buffer> {
  const text = [
    'This message was sent from the Zajoni console to check your account.',
    'It went through the same relay as mail from your mail client, and its SMTP record',
    'is in the console under its queue id.',
    '',
  ].join('\r\n');
  const composer = new MailComposer({
    from: address,
    to: address,
    subject: TEST_MESSAGE_SUBJECT,
    text,
    date: now,
    messageId: `<${messageId}>`,
  });
  return composer.compile().build();
}

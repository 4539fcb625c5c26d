import { createHash } from 'node:crypto';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import MailComposer from 'nodemailer/lib/mail-composer';
import { queueSubject, type QueuedMessage, newUlid } from '#shared';

/** A mail the API sends about an account: plain text, one recipient. */
export interface Notice {
  /** Tenant whose relay delivers it (its queue subject). */
  readonly tenant: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface NoticeMailer {
  /** Queues the notice for the tenant's relay; resolves to its queue id once both are stored. */
  send(notice: Notice): Promise<string>;
}

/**
 * Sends notices through the relay's own outbound path, as the relay queues receipts: the body
 * goes into the body object store under its queue id, then an `account-notice` entry is
 * published on the tenant's queue subject. The relay delivers it to the recipient's MX, records
 * its transcript in the log only, and sends no receipt about it.
 */
export function createNoticeMailer(
  js: JetStreamClient,
  bodies: ObjectStore,
  from: string,
): NoticeMailer {
  const fromDomain = from.slice(from.lastIndexOf('@') + 1);
  return {
    async send(notice) {
      const queueId = `A${newUlid()}`;
      const messageId = `${queueId}@${fromDomain}`;
      const raw = await compose({ ...notice, from, messageId });
      const entry: QueuedMessage = {
        queueId,
        tenant: notice.tenant,
        kind: 'account-notice',
        // The null reverse-path, as for receipts: a bounce of a notice must not loop.
        sender: '',
        recipients: [notice.to],
        authUser: notice.to,
        smtpUtf8: false,
        body: '8bitmime',
        size: raw.length,
        sha256: createHash('sha256').update(raw).digest('hex'),
        messageId,
        subject: notice.subject,
        submittedAt: new Date().toISOString(),
        about: null,
        attempt: 1,
        notBefore: null,
        confirm: false,
        bodyStore: 'object',
      };
      await bodies.putBlob({ name: queueId }, raw);
      await js.publish(queueSubject(notice.tenant), JSON.stringify(entry), {
        msgID: `${queueId}.1`,
      });
      return queueId;
    },
  };
}

async function compose(mail: Notice & { from: string; messageId: string }): Promise<Buffer> {
  const composer = new MailComposer({
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    messageId: `<${mail.messageId}>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  return composer.compile().build();
}

import { createHash } from 'node:crypto';
import type { QueuedMessage } from '#shared';
import type { DeliveryJob } from '../deliver.ts';

/** A queue entry and delivery job for `recipients`, all at one domain. */
export function makeJob(options: {
  recipients: string[];
  body?: Buffer;
  sender?: string;
  domain?: string;
}): DeliveryJob {
  const body =
    options.body ??
    Buffer.from('Subject: Hello\r\nMessage-ID: <m1@example.org>\r\n\r\nHi Bob.\r\n');
  const entry: QueuedMessage = {
    queueId: '01JQTESTQUEUE00000000000001',
    tenant: 'acme',
    kind: 'message',
    sender: options.sender ?? 'alice@example.org',
    recipients: options.recipients,
    authUser: 'alice@example.org',
    smtpUtf8: false,
    body: '8bitmime',
    size: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    messageId: 'm1@example.org',
    subject: 'Hello',
    submittedAt: '2025-03-01T09:59:00.000Z',
    about: null,
    attempt: 1,
    notBefore: null,
    confirm: true,
    bodyStore: 'kv',
  };
  const domain = options.domain ?? options.recipients[0]?.split('@')[1] ?? 'example.net';
  return { entry, domain, recipients: options.recipients, body, attempt: 1 };
}

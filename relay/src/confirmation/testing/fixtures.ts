import type { QueuedMessage, Transcript } from '#shared';

export const ENTRY: QueuedMessage = {
  queueId: '01JQTESTQUEUE00000000000001',
  tenant: 'acme',
  kind: 'message',
  sender: 'alice@example.org',
  recipients: ['bob@example.net', 'nobody@example.com', 'carol@example.com'],
  authUser: 'alice@example.org',
  smtpUtf8: false,
  body: '8bitmime',
  size: 1234,
  sha256: 'ab'.repeat(32),
  messageId: 'm1@example.org',
  subject: 'Quarterly report',
  submittedAt: '2025-03-01T09:59:00.000Z',
  about: null,
  attempt: 1,
  notBefore: null,
  confirm: true,
  bodyStore: 'kv',
};

const QUEUED = {
  code: 250,
  enhanced: '2.0.0',
  lines: ['250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3'],
};

function header(domain: string, hostIndex: number, attemptId: string) {
  return {
    schema: 1 as const,
    attemptId,
    tenant: ENTRY.tenant,
    queueId: ENTRY.queueId,
    message: {
      sender: ENTRY.sender,
      authUser: ENTRY.authUser,
      messageId: ENTRY.messageId,
      subject: ENTRY.subject,
      size: ENTRY.size,
      sha256: ENTRY.sha256,
      submittedAt: ENTRY.submittedAt,
      recipients: ENTRY.recipients,
    },
    domain,
    attempt: 1,
    hostIndex,
    policy: null,
    possibleDuplicate: false,
  };
}

function step(
  kind: Transcript['steps'][number]['kind'],
  offsetMs: number,
  command: string | null,
  lines: string[] | null,
  note: string | null = null,
) {
  return {
    kind,
    at: new Date(Date.parse('2025-03-01T10:00:00.000Z') + offsetMs).toISOString(),
    offsetMs,
    elapsedMs: 2,
    command,
    reply: lines
      ? {
          code: Number(lines[0]?.slice(0, 3)),
          enhanced: /^\d{3}[ -](\d\.\d+\.\d+)/.exec(lines[0] ?? '')?.[1] ?? null,
          lines,
        }
      : null,
    note,
  };
}

/** example.net: delivered over TLS by mx.example.net, which named its queue id. */
export const DELIVERED: Transcript = {
  ...header('example.net', 0, '01JQATTEMPTDELIVERED0000001'),
  startedAt: '2025-03-01T10:00:00.000Z',
  endedAt: '2025-03-01T10:00:00.100Z',
  mx: { host: 'mx.example.net', ip: '192.0.2.10', port: 25, preference: 10 },
  tls: {
    version: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    verified: true,
    verifyError: null,
    peerSubject: 'CN=mx.example.net',
    peerIssuer: 'CN=Example CA',
    fingerprint256: 'AB:CD',
  },
  steps: [
    step('connect', 0, null, null, 'connected to 192.0.2.10:25 from 198.51.100.1:40000'),
    step('banner', 2, null, ['220 mx.example.net ESMTP']),
    step('ehlo', 4, 'EHLO relay.test', ['250-mx.example.net', '250 STARTTLS']),
    step('starttls', 6, 'STARTTLS', ['220 2.0.0 Ready']),
    step('tls', 8, null, null, 'TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified'),
    step('ehlo', 10, 'EHLO relay.test', ['250-mx.example.net', '250 PIPELINING']),
    step('mail', 12, 'MAIL FROM:<alice@example.org>', ['250 2.1.0 Ok']),
    step('rcpt', 12, 'RCPT TO:<bob@example.net>', ['250 2.1.5 Ok']),
    step('data', 12, 'DATA', ['354 End data']),
    step('message', 14, '<message: 1237 octets>', QUEUED.lines),
    step('quit', 16, 'QUIT', ['221 2.0.0 Bye']),
  ],
  recipients: [
    {
      address: 'bob@example.net',
      status: 'delivered',
      reply: QUEUED,
      reason: null,
      remoteQueueId: '4ZxK2b1Q9Nz3',
    },
  ],
  outcome: 'delivered',
  finalReply: QUEUED,
  remoteQueueId: '4ZxK2b1Q9Nz3',
  error: null,
};

const REFUSAL = [
  '550-5.1.1 The email account that you tried to reach does not exist. Please try',
  "550-5.1.1 double-checking the recipient's email address for typos or",
  '550 5.1.1 unnecessary spaces. For more information, go to the help center.',
];

/** example.com: one recipient refused with a 3-line 550, the other greylisted. */
export const REFUSED: Transcript = {
  ...header('example.com', 0, '01JQATTEMPTREFUSED00000001'),
  startedAt: '2025-03-01T10:00:01.000Z',
  endedAt: '2025-03-01T10:00:01.100Z',
  mx: { host: 'mx.example.com', ip: '192.0.2.20', port: 25, preference: 5 },
  tls: null,
  steps: [
    step('connect', 0, null, null, 'connected'),
    step('banner', 2, null, ['220 mx.example.com']),
    step('ehlo', 4, 'EHLO relay.test', ['250 mx.example.com']),
    step('mail', 6, 'MAIL FROM:<alice@example.org>', ['250 Ok']),
    step('rcpt', 8, 'RCPT TO:<nobody@example.com>', REFUSAL),
    step('rcpt', 10, 'RCPT TO:<carol@example.com>', ['450 4.2.0 greylisted, try again later']),
    step('quit', 12, 'QUIT', ['221 Bye']),
  ],
  recipients: [
    {
      address: 'nobody@example.com',
      status: 'bounced',
      reply: { code: 550, enhanced: '5.1.1', lines: REFUSAL },
      reason: null,
      remoteQueueId: null,
    },
    {
      address: 'carol@example.com',
      status: 'deferred',
      reply: { code: 450, enhanced: '4.2.0', lines: ['450 4.2.0 greylisted, try again later'] },
      reason: null,
      remoteQueueId: null,
    },
  ],
  outcome: 'deferred',
  finalReply: null,
  remoteQueueId: null,
  error: null,
};

export const ORIGINAL_HEADERS =
  'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Quarterly report\r\nMessage-ID: <m1@example.org>\r\n';

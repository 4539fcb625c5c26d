import { createHash } from 'node:crypto';
import type { RecipientStatus, Reply, Transcript, TranscriptStep } from '#shared';

/** What varies between the transcripts a test needs. */
export interface TranscriptOptions {
  readonly tenant?: string;
  readonly queueId: string;
  readonly attemptId: string;
  readonly authUser?: string;
  /** Every envelope recipient of the message (default: the one this attempt reports on). */
  readonly envelope?: readonly string[];
  /** The recipient this connection delivers to; its domain is the attempt's domain. */
  readonly recipient?: string;
  readonly status?: RecipientStatus;
  readonly attempt?: number;
  readonly hostIndex?: number;
  readonly submittedAt?: string;
  readonly startedAt?: string;
  readonly subject?: string;
}

const reply = (code: number, enhanced: string | null, ...lines: string[]): Reply => ({
  code,
  enhanced,
  lines,
});

/** Postfix's end-of-data reply naming its queue id. */
export const POSTFIX_QUEUED = reply(250, '2.0.0', '250 2.0.0 Ok: queued as 4XyZ123');

const GREYLISTED = reply(
  450,
  '4.2.0',
  '450 4.2.0 <bob@example.net>: Recipient address rejected: Greylisted',
);

const NO_SUCH_USER = reply(
  550,
  '5.1.1',
  '550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown',
);

/**
 * A transcript of one connection to a Postfix MX over STARTTLS, as the relay records it: the
 * recipient accepted (`delivered`, queued as 4XyZ123), greylisted at RCPT (`deferred`), or
 * unknown (`bounced`).
 */
export function buildTranscript(options: TranscriptOptions): Transcript {
  const recipient = options.recipient ?? 'bob@example.net';
  const status = options.status ?? 'delivered';
  const authUser = options.authUser ?? 'alice@example.com';
  const startedAt = options.startedAt ?? '2025-12-03T17:05:01.000Z';
  const start = Date.parse(startedAt);
  const steps = conversation(authUser, recipient, status, start);
  const last = steps.at(-1);
  const endedAt = new Date(start + (last ? last.offsetMs + last.elapsedMs : 0)).toISOString();
  const decisive =
    status === 'delivered' ? POSTFIX_QUEUED : status === 'deferred' ? GREYLISTED : NO_SUCH_USER;
  const accepted = status === 'delivered';
  return {
    schema: 1,
    attemptId: options.attemptId,
    tenant: options.tenant ?? 'acme',
    queueId: options.queueId,
    message: {
      sender: authUser,
      authUser,
      messageId: `${options.queueId}@relay.zajoni.test`,
      subject: options.subject ?? 'Signed contract, as agreed',
      size: 1234,
      sha256: createHash('sha256').update(options.queueId).digest('hex'),
      submittedAt: options.submittedAt ?? '2025-12-03T17:05:00.000Z',
      recipients: [...(options.envelope ?? [recipient])],
    },
    domain: recipient.slice(recipient.lastIndexOf('@') + 1),
    attempt: options.attempt ?? 1,
    hostIndex: options.hostIndex ?? 0,
    startedAt,
    endedAt,
    mx: { host: 'mx1.example.net', ip: '192.0.2.25', port: 25, preference: 10 },
    tls: {
      version: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      verified: true,
      verifyError: null,
      peerSubject: 'CN=mx1.example.net',
      peerIssuer: "C=US, O=Let's Encrypt, CN=R11",
      fingerprint256:
        'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
    },
    steps,
    recipients: [
      {
        address: recipient,
        status,
        reply: decisive,
        reason: null,
        remoteQueueId: accepted ? '4XyZ123' : null,
      },
    ],
    outcome: status,
    finalReply: accepted ? POSTFIX_QUEUED : null,
    remoteQueueId: accepted ? '4XyZ123' : null,
    error: null,
    policy: null,
    possibleDuplicate: false,
  };
}

function conversation(
  sender: string,
  recipient: string,
  status: RecipientStatus,
  start: number,
): TranscriptStep[] {
  const ehloReply = reply(
    250,
    null,
    '250-mx1.example.net',
    '250-PIPELINING',
    '250-SIZE 10240000',
    '250-STARTTLS',
    '250-ENHANCEDSTATUSCODES',
    '250-8BITMIME',
    '250 SMTPUTF8',
  );
  const script: [TranscriptStep['kind'], string | null, Reply | null, string | null][] = [
    ['connect', null, null, 'connected to 192.0.2.25:25'],
    ['banner', null, reply(220, null, '220 mx1.example.net ESMTP Postfix (Debian/GNU)'), null],
    ['ehlo', 'EHLO relay.zajoni.test', ehloReply, null],
    ['starttls', 'STARTTLS', reply(220, '2.0.0', '220 2.0.0 Ready to start TLS'), null],
    ['tls', null, null, 'TLSv1.3 TLS_AES_256_GCM_SHA384, certificate verified'],
    ['ehlo', 'EHLO relay.zajoni.test', ehloReply, null],
    ['mail', `MAIL FROM:<${sender}> SIZE=1234`, reply(250, '2.1.0', '250 2.1.0 Ok'), null],
  ];
  if (status === 'delivered') {
    script.push(
      ['rcpt', `RCPT TO:<${recipient}>`, reply(250, '2.1.5', '250 2.1.5 Ok'), null],
      ['data', 'DATA', reply(354, null, '354 End data with <CR><LF>.<CR><LF>'), null],
      ['message', null, POSTFIX_QUEUED, '1234 octets sent'],
    );
  } else {
    script.push([
      'rcpt',
      `RCPT TO:<${recipient}>`,
      status === 'deferred' ? GREYLISTED : NO_SUCH_USER,
      null,
    ]);
  }
  script.push(['quit', 'QUIT', reply(221, '2.0.0', '221 2.0.0 Bye'), null]);
  return script.map(([kind, command, stepReply, note], i) => ({
    kind,
    at: new Date(start + i * 40).toISOString(),
    offsetMs: i * 40,
    elapsedMs: 35.5,
    command,
    reply: stepReply,
    note,
  }));
}

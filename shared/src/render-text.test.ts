import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transcript } from './transcript.ts';
import { describeTls, escapeControls, renderTranscriptText } from './render-text.ts';

const transcript: Transcript = {
  schema: 1,
  attemptId: '01JNABCDEF0123456789ABCDEF',
  tenant: 'acme',
  queueId: 'Q1',
  message: {
    sender: 'alice@example.org',
    authUser: 'alice@example.org',
    messageId: 'm1@example.org',
    subject: 'Hello',
    size: 10,
    sha256: 'a'.repeat(64),
    submittedAt: '2025-03-01T09:59:00.000Z',
    recipients: ['bob@example.net'],
  },
  domain: 'example.net',
  attempt: 1,
  hostIndex: 0,
  startedAt: '2025-03-01T10:00:00.000Z',
  endedAt: '2025-03-01T10:00:01.000Z',
  mx: { host: 'mx.example.net', ip: '192.0.2.10', port: 25, preference: 10 },
  tls: null,
  steps: [
    {
      kind: 'connect',
      at: '2025-03-01T10:00:00.000Z',
      offsetMs: 0,
      elapsedMs: 4,
      command: null,
      reply: null,
      note: 'connected',
    },
    {
      kind: 'ehlo',
      at: '2025-03-01T10:00:00.010Z',
      offsetMs: 10,
      elapsedMs: 5,
      command: 'EHLO relay.example',
      reply: { code: 250, enhanced: null, lines: ['250-mx.example.net', '250 SIZE\r1'] },
      note: null,
    },
  ],
  recipients: [
    {
      address: 'bob@example.net',
      status: 'delivered',
      reply: { code: 250, enhanced: '2.0.0', lines: ['250 2.0.0 Ok: queued as X1'] },
      reason: null,
      remoteQueueId: 'X1',
    },
  ],
  outcome: 'delivered',
  finalReply: null,
  remoteQueueId: 'X1',
  error: null,
  policy: null,
  possibleDuplicate: false,
};

describe('renderTranscriptText', () => {
  it('shows each command and reply line with its time and offset', () => {
    const lines = renderTranscriptText([transcript]).split('\n');
    assert.equal(
      lines[0],
      '=== example.net, attempt 1, connection 1: mx.example.net [192.0.2.10]:25 (MX preference 10) ===',
    );
    assert.deepEqual(lines.slice(5, 9), [
      '2025-03-01T10:00:00.000Z +      0.0ms * connect: connected (4.0 ms)',
      '2025-03-01T10:00:00.010Z +     10.0ms C: EHLO relay.example',
      '2025-03-01T10:00:00.015Z +     15.0ms S: 250-mx.example.net',
      '2025-03-01T10:00:00.015Z +     15.0ms S: 250 SIZE\\x0d1',
    ]);
    assert.ok(
      lines.includes(
        '  bob@example.net: delivered (server queue id X1): 250 2.0.0 Ok: queued as X1',
      ),
    );
  });
});

describe('renderTranscriptText with pipelining', () => {
  it('shows a pipelined batch in wire order: all commands, then the replies', () => {
    const step = (
      kind: 'mail' | 'rcpt' | 'data',
      command: string,
      offsetMs: number,
      elapsedMs: number,
      line: string,
    ) => ({
      kind,
      at: new Date(Date.parse('2025-03-01T10:00:00.000Z') + Math.floor(offsetMs)).toISOString(),
      offsetMs,
      elapsedMs,
      command,
      reply: { code: Number(line.slice(0, 3)), enhanced: null, lines: [line] },
      note: null,
    });
    const steps = [
      step('mail', 'MAIL FROM:<a@example.org>', 20.1, 0.9, '250 ok'),
      step('rcpt', 'RCPT TO:<b@example.net>', 20.2, 0.9, '250 ok'),
      step('data', 'DATA', 20.3, 0.9, '354 go'),
    ];
    const text = renderTranscriptText([{ ...transcript, steps }]);
    const wire = text
      .split('\n')
      .filter((l) => / [CS]: /.test(l))
      .map((l) => l.slice(l.indexOf('ms ') + 3));
    assert.deepEqual(wire, [
      'C: MAIL FROM:<a@example.org>',
      'C: RCPT TO:<b@example.net>',
      'C: DATA',
      'S: 250 ok',
      'S: 250 ok',
      'S: 354 go',
    ]);
  });
});

describe('describeTls', () => {
  it('says whether the certificate was verified, and why not', () => {
    assert.equal(describeTls(null), 'not used');
    assert.equal(
      describeTls({
        version: 'TLSv1.3',
        cipher: 'TLS_AES_256_GCM_SHA384',
        verified: false,
        verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        peerSubject: 'CN=mx.example.net',
        peerIssuer: 'CN=mx.example.net',
        fingerprint256: 'AA:BB',
      }),
      'TLSv1.3 TLS_AES_256_GCM_SHA384, certificate not verified (DEPTH_ZERO_SELF_SIGNED_CERT), server certificate CN=mx.example.net issued by CN=mx.example.net, SHA-256 AA:BB',
    );
  });
});

describe('escapeControls', () => {
  it('escapes CR, LF and other controls but keeps tabs and non-ASCII text', () => {
    assert.equal(escapeControls('a\r\nb\tc\x00ü'), 'a\\x0d\\x0ab\tc\\x00ü');
  });
});

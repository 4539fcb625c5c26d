import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecipientOutcome, StepKind, TranscriptStep } from '#shared';
import { parseReply } from '../transcript/index.ts';
import {
  acceptedFinalReply,
  decideRecipients,
  summarizeOutcome,
  type DecideInput,
} from './outcome.ts';

function step(kind: StepKind, command: string | null, ...lines: string[]): TranscriptStep {
  return {
    kind,
    at: '2025-03-01T10:00:00.000Z',
    offsetMs: 0,
    elapsedMs: 1,
    command,
    reply: lines.length > 0 ? parseReply(lines) : null,
    note: lines.length > 0 ? null : 'no reply',
  };
}

function decide(steps: TranscriptStep[], overrides: Partial<DecideInput> = {}) {
  return decideRecipients({
    recipients: ['a@example.net', 'b@example.net'],
    stage: 'transacted',
    steps,
    sent: ['a@example.net', 'b@example.net'],
    refused: [],
    error: null,
    server: 'mx.test [192.0.2.1]',
    ...overrides,
  }).map((r) => [r.address, r.status, r.reply?.code ?? null, r.reason, r.remoteQueueId]);
}

const banner = step('banner', null, '220 mx.test');
const ehlo = step('ehlo', 'EHLO relay.test', '250-mx.test', '250 PIPELINING');

describe('decideRecipients', () => {
  it('decides each recipient by its own RCPT reply before any later reply', () => {
    const steps = [
      banner,
      ehlo,
      step('mail', 'MAIL FROM:<s@example.org>', '250 2.1.0 Ok'),
      step('rcpt', 'RCPT TO:<a@example.net>', '550 5.1.1 no such user'),
      step('rcpt', 'RCPT TO:<b@example.net>', '250 2.1.5 Ok'),
      step('data', 'DATA', '354 go ahead'),
      step('message', '<message: 10 octets>', '554 5.7.1 spam'),
    ];
    assert.deepEqual(decide(steps), [
      ['a@example.net', 'bounced', 550, null, null],
      ['b@example.net', 'bounced', 554, null, null],
    ]);
  });

  it('keeps a greylisted recipient deferred while the other one is delivered', () => {
    const steps = [
      step('mail', 'MAIL FROM:<s@example.org>', '250 Ok'),
      step('rcpt', 'RCPT TO:<a@example.net>', '450 4.2.0 greylisted'),
      step('rcpt', 'RCPT TO:<b@example.net>', '250 Ok'),
      step('data', 'DATA', '354 go ahead'),
      step('message', '<message: 10 octets>', '250 2.0.0 Ok: queued as ABC123DEF4'),
    ];
    assert.deepEqual(decide(steps), [
      ['a@example.net', 'deferred', 450, null, null],
      ['b@example.net', 'delivered', 250, null, 'ABC123DEF4'],
    ]);
  });

  it('lets a refused MAIL FROM decide everyone, not the 503s pipelined after it', () => {
    const steps = [
      step('mail', 'MAIL FROM:<s@example.org>', '553 5.7.1 sender rejected'),
      step('rcpt', 'RCPT TO:<a@example.net>', '503 5.5.1 need MAIL first'),
      step('rcpt', 'RCPT TO:<b@example.net>', '503 5.5.1 need MAIL first'),
      step('data', 'DATA', '503 5.5.1 need RCPT first'),
    ];
    assert.deepEqual(decide(steps), [
      ['a@example.net', 'bounced', 553, null, null],
      ['b@example.net', 'bounced', 553, null, null],
    ]);
  });

  it('applies a refused DATA to the accepted recipients only', () => {
    const steps = [
      step('mail', 'MAIL FROM:<s@example.org>', '250 Ok'),
      step('rcpt', 'RCPT TO:<a@example.net>', '550 5.1.1 unknown'),
      step('rcpt', 'RCPT TO:<b@example.net>', '250 Ok'),
      step('data', 'DATA', '451 4.3.0 try later'),
    ];
    assert.deepEqual(decide(steps), [
      ['a@example.net', 'bounced', 550, null, null],
      ['b@example.net', 'deferred', 451, null, null],
    ]);
  });

  it('defers recipients whose replies never came, naming the failure', () => {
    const steps = [
      step('mail', 'MAIL FROM:<s@example.org>', '250 Ok'),
      step('rcpt', 'RCPT TO:<a@example.net>', '250 Ok'),
      step('rcpt', 'RCPT TO:<b@example.net>'),
    ];
    assert.deepEqual(decide(steps, { error: 'ETIMEDOUT: Timeout' }), [
      ['a@example.net', 'deferred', null, '4.4.2 no reply to DATA (ETIMEDOUT: Timeout)', null],
      ['b@example.net', 'deferred', null, '4.4.2 no reply to RCPT TO (ETIMEDOUT: Timeout)', null],
    ]);
  });

  it('defers everyone when no session was possible, keeping a refusing banner as the reply', () => {
    const steps = [step('connect', null), step('banner', null, '554 5.7.1 go away')];
    const outcomes = decide(steps, { stage: 'unreachable', sent: [] });
    assert.deepEqual(outcomes, [
      [
        'a@example.net',
        'deferred',
        554,
        '4.4.2 no SMTP session with mx.test [192.0.2.1]: the server refused the session',
        null,
      ],
      [
        'b@example.net',
        'deferred',
        554,
        '4.4.2 no SMTP session with mx.test [192.0.2.1]: the server refused the session',
        null,
      ],
    ]);
  });

  it('keeps outcomes decided before sending', () => {
    const refused: RecipientOutcome = {
      address: 'a@example.net',
      status: 'bounced',
      reply: null,
      reason: '5.6.7 needs SMTPUTF8',
      remoteQueueId: null,
    };
    const steps = [
      step('mail', 'MAIL FROM:<s@example.org>', '250 Ok'),
      step('rcpt', 'RCPT TO:<b@example.net>', '250 Ok'),
      step('data', 'DATA', '354 go'),
      step('message', '<message: 1 octets>', '250 Ok'),
    ];
    assert.deepEqual(decide(steps, { refused: [refused], sent: ['b@example.net'] }), [
      ['a@example.net', 'bounced', null, '5.6.7 needs SMTPUTF8', null],
      ['b@example.net', 'delivered', 250, null, null],
    ]);
  });
});

describe('summarizeOutcome', () => {
  const r = (status: RecipientOutcome['status']): RecipientOutcome => ({
    address: 'x@example.net',
    status,
    reply: null,
    reason: null,
    remoteQueueId: null,
  });

  it('names the attempt by its recipients', () => {
    assert.equal(summarizeOutcome([r('delivered'), r('delivered')]), 'delivered');
    assert.equal(summarizeOutcome([r('delivered'), r('bounced')]), 'partial');
    assert.equal(summarizeOutcome([r('bounced'), r('bounced')]), 'bounced');
    assert.equal(summarizeOutcome([r('bounced'), r('deferred')]), 'deferred');
    assert.equal(summarizeOutcome([r('deferred')]), 'deferred');
  });
});

describe('acceptedFinalReply', () => {
  it('is the end-of-data reply only when it accepted the message', () => {
    assert.equal(acceptedFinalReply([step('message', null, '250 2.0.0 Ok')])?.code, 250);
    assert.equal(acceptedFinalReply([step('message', null, '554 5.7.1 no')]), null);
    assert.equal(acceptedFinalReply([step('data', 'DATA', '354 go')]), null);
  });
});

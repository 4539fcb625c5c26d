import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecipientOutcome } from '#shared';
import { acceptedAt, actionFor, lastOutcomes, statusFor } from './reported.ts';
import { DELIVERED, REFUSED } from './testing/fixtures.ts';

function outcome(
  status: RecipientOutcome['status'],
  reply: RecipientOutcome['reply'],
  reason: string | null = null,
): RecipientOutcome {
  return { address: 'x@example.net', status, reply, reason, remoteQueueId: null };
}

describe('actionFor', () => {
  it('maps outcomes to RFC 3464 actions, deferred becoming failed only once expired', () => {
    assert.equal(actionFor(outcome('delivered', null), false), 'delivered');
    assert.equal(actionFor(outcome('bounced', null), false), 'failed');
    assert.equal(actionFor(outcome('deferred', null), false), 'delayed');
    assert.equal(actionFor(outcome('deferred', null), true), 'failed');
  });
});

describe('statusFor', () => {
  it('uses 2.0.0 for delivered, whatever the server said', () => {
    assert.equal(
      statusFor(
        outcome('delivered', { code: 250, enhanced: '2.6.0', lines: ['250 2.6.0 ok'] }),
        'delivered',
      ),
      '2.0.0',
    );
  });

  it("prefers the server's enhanced code, then the reason's, then the reply class", () => {
    assert.equal(
      statusFor(
        outcome('bounced', { code: 550, enhanced: '5.7.1', lines: ['550 5.7.1 no'] }),
        'failed',
      ),
      '5.7.1',
    );
    assert.equal(statusFor(outcome('bounced', null, '5.6.7 needs SMTPUTF8'), 'failed'), '5.6.7');
    assert.equal(
      statusFor(outcome('bounced', { code: 554, enhanced: null, lines: ['554 no'] }), 'failed'),
      '5.0.0',
    );
    assert.equal(
      statusFor(outcome('deferred', { code: 421, enhanced: null, lines: ['421 busy'] }), 'delayed'),
      '4.0.0',
    );
    assert.equal(statusFor(outcome('deferred', null, 'lost'), 'delayed'), '4.0.0');
  });

  it('says 4.4.7 (delivery time expired) for a deferral given up on', () => {
    assert.equal(
      statusFor(
        outcome('deferred', { code: 450, enhanced: '4.2.0', lines: ['450 4.2.0 later'] }),
        'failed',
      ),
      '4.4.7',
    );
  });
});

describe('lastOutcomes', () => {
  it('takes, per recipient, the last transcript that names it', () => {
    const retried = {
      ...REFUSED,
      hostIndex: 1,
      recipients: [{ ...REFUSED.recipients[1]!, status: 'bounced' as const }],
    };
    const decided = lastOutcomes([DELIVERED, REFUSED, retried]);
    assert.deepEqual(
      decided.map((d) => [d.outcome.address, d.outcome.status, d.transcript.hostIndex]),
      [
        ['bob@example.net', 'delivered', 0],
        ['nobody@example.com', 'bounced', 0],
        ['carol@example.com', 'bounced', 1],
      ],
    );
  });
});

describe('acceptedAt', () => {
  it('is when the reply to the final dot completed, or the end of the connection without one', () => {
    assert.equal(acceptedAt(DELIVERED), '2025-03-01T10:00:00.016Z');
    assert.equal(acceptedAt(REFUSED), REFUSED.endedAt);
  });
});

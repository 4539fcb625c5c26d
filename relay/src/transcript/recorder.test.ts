import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transcriptSchema } from '#shared';
import { createStepRecorder } from './recorder.ts';

const T0 = Date.parse('2025-03-01T10:00:00.000Z');

/** A clock the test moves by hand. */
function fakeClock() {
  let ms = T0;
  return { now: () => ms, advance: (by: number) => void (ms += by) };
}

describe('createStepRecorder', () => {
  it('records a pipelined session as ordered steps with times and whole replies', () => {
    const clock = fakeClock();
    const r = createStepRecorder({ now: clock.now });
    r.connecting('192.0.2.10:25');
    clock.advance(5);
    r.connected('connected to 192.0.2.10:25');
    clock.advance(10);
    r.received('220-mx.example.net ESMTP\n220-no UCE\n220 ready');
    r.sent('EHLO relay.example');
    clock.advance(3);
    r.received('250-mx.example.net\n250-PIPELINING\n250 8BITMIME');
    r.sent('MAIL FROM:<a@example.org>');
    r.sent('RCPT TO:<b@example.net>');
    r.sent('RCPT TO:<c@example.net>');
    r.sent('DATA');
    clock.advance(4);
    r.received('250 2.1.0 Ok');
    r.received('550-5.1.1 no such user\n550 5.1.1 really');
    r.received('250 2.1.5 Ok');
    clock.advance(1);
    r.received('354 End data with <CR><LF>.<CR><LF>');
    clock.advance(2);
    r.messageSent(1234);
    clock.advance(20);
    r.received('250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3');
    r.sent('QUIT');
    clock.advance(1);
    r.received('221 2.0.0 Bye');
    const steps = r.finish();

    assert.deepEqual(
      steps.map((s) => [s.kind, s.command, s.reply?.lines ?? null, s.offsetMs, s.elapsedMs]),
      [
        ['connect', null, null, 0, 5],
        ['banner', null, ['220-mx.example.net ESMTP', '220-no UCE', '220 ready'], 5, 10],
        [
          'ehlo',
          'EHLO relay.example',
          ['250-mx.example.net', '250-PIPELINING', '250 8BITMIME'],
          15,
          3,
        ],
        ['mail', 'MAIL FROM:<a@example.org>', ['250 2.1.0 Ok'], 18, 4],
        ['rcpt', 'RCPT TO:<b@example.net>', ['550-5.1.1 no such user', '550 5.1.1 really'], 18, 4],
        ['rcpt', 'RCPT TO:<c@example.net>', ['250 2.1.5 Ok'], 18, 4],
        ['data', 'DATA', ['354 End data with <CR><LF>.<CR><LF>'], 18, 5],
        ['message', '<message: 1234 octets>', ['250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3'], 23, 22],
        ['quit', 'QUIT', ['221 2.0.0 Bye'], 45, 1],
      ],
    );
    assert.equal(steps[0]?.note, 'connected to 192.0.2.10:25');
    assert.equal(steps[0]?.at, '2025-03-01T10:00:00.000Z');
    assert.equal(steps[4]?.reply?.code, 550);
    assert.equal(steps[4]?.reply?.enhanced, '5.1.1');
  });

  it('opens a TLS step after 220 to STARTTLS and closes it when the handshake is done', () => {
    const clock = fakeClock();
    const r = createStepRecorder({ now: clock.now });
    r.sent('STARTTLS');
    clock.advance(2);
    r.received('220 2.0.0 Ready to start TLS');
    assert.equal(r.openEvent(), 'tls');
    clock.advance(30);
    r.tlsEstablished('TLSv1.3 TLS_AES_256_GCM_SHA384');
    assert.equal(r.openEvent(), null);
    const tls = r.finish()[1];
    assert.deepEqual(
      [tls?.kind, tls?.note, tls?.offsetMs, tls?.elapsedMs],
      ['tls', 'TLSv1.3 TLS_AES_256_GCM_SHA384', 2, 30],
    );
  });

  it('does not open a TLS step when STARTTLS is refused', () => {
    const r = createStepRecorder();
    r.sent('STARTTLS');
    r.received('454 4.7.0 TLS not available');
    assert.equal(r.openEvent(), null);
    assert.deepEqual(
      r.finish().map((s) => s.kind),
      ['starttls'],
    );
  });

  it('closes a connect step that never completes with the failure', () => {
    const clock = fakeClock();
    const r = createStepRecorder({ now: clock.now });
    r.connecting('192.0.2.10:25');
    clock.advance(7);
    r.failed('connect ECONNREFUSED 192.0.2.10:25');
    const steps = r.finish();
    assert.equal(steps.length, 1);
    assert.deepEqual(
      [steps[0]?.kind, steps[0]?.note, steps[0]?.elapsedMs],
      ['connect', '192.0.2.10:25: failed: connect ECONNREFUSED 192.0.2.10:25', 7],
    );
  });

  it('adds an error step for a failure mid-session and marks unanswered commands', () => {
    const clock = fakeClock();
    const r = createStepRecorder({ now: clock.now });
    r.sent('MAIL FROM:<a@example.org>');
    clock.advance(100);
    r.failed('Timeout');
    clock.advance(1);
    const steps = r.finish();
    assert.deepEqual(
      steps.map((s) => [s.kind, s.reply, s.note, s.elapsedMs]),
      [
        ['mail', null, 'no reply', 101],
        ['error', null, 'Timeout', 0],
      ],
    );
  });

  it('masks AUTH initial responses and every SASL continuation line', () => {
    const r = createStepRecorder();
    r.sent('AUTH PLAIN AGFsaWNlAHNlY3JldA==');
    r.received('235 2.7.0 ok');
    r.sent('AUTH LOGIN');
    r.received('334 VXNlcm5hbWU6');
    r.sent('YWxpY2U=');
    r.received('334 UGFzc3dvcmQ6');
    r.sent('c2VjcmV0');
    r.received('235 2.7.0 ok');
    r.sent('NOOP');
    r.received('250 ok');
    assert.deepEqual(
      r.finish().map((s) => s.command),
      ['AUTH PLAIN ****', 'AUTH LOGIN', '****', '****', 'NOOP'],
    );
  });

  it('keeps an unparseable reply as a note on the step it answers', () => {
    const r = createStepRecorder();
    r.sent('EHLO relay.example');
    r.received('hello there');
    const step = r.finish()[0];
    assert.equal(step?.reply, null);
    assert.equal(step?.note, 'unparseable reply: "hello there"');
  });

  it('records a reply that answers no command as its own step', () => {
    const r = createStepRecorder();
    r.received('421 4.4.2 idle too long');
    const step = r.finish()[0];
    assert.deepEqual([step?.kind, step?.command, step?.reply?.code], ['command', null, 421]);
  });

  it('puts the lone dot that ends an empty message on the message step', () => {
    const r = createStepRecorder();
    r.sent('DATA');
    r.received('354 go ahead');
    r.sent('.');
    r.received('554 5.5.1 no valid recipients');
    const steps = r.finish();
    assert.deepEqual(
      steps.map((s) => [s.kind, s.command, s.reply?.code]),
      [
        ['data', 'DATA', 354],
        ['message', '.', 554],
      ],
    );
  });

  it('produces steps that validate against the shared transcript schema', () => {
    const r = createStepRecorder();
    r.connecting('192.0.2.10:25');
    r.connected('ok');
    r.received('220 hi');
    r.sent('QUIT');
    const stepSchema = transcriptSchema.shape.steps;
    assert.doesNotThrow(() => stepSchema.parse(r.finish()));
  });
});

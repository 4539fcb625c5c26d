import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOffset, toConversation } from './conversation.ts';
import type { Step } from './operations.ts';

const step = (over: Partial<Step>): Step => ({
  kind: 'COMMAND',
  at: '2026-03-01T10:00:00.000Z',
  offsetMs: 0,
  elapsedMs: 0,
  command: null,
  reply: null,
  note: null,
  ...over,
});

describe('toConversation', () => {
  it('shows each command, then every line of its reply, with the speaker', () => {
    const lines = toConversation([
      step({ kind: 'CONNECT', note: 'connected to 192.0.2.1:25', elapsedMs: 2 }),
      step({
        kind: 'GREETING',
        offsetMs: 2,
        elapsedMs: 5,
        reply: { code: 220, enhanced: null, lines: ['220 mx.example.org ESMTP'] },
      }),
      step({
        offsetMs: 8,
        elapsedMs: 3,
        command: 'EHLO relay.example',
        reply: { code: 250, enhanced: null, lines: ['250-mx.example.org', '250 STARTTLS'] },
      }),
    ]);
    assert.deepEqual(
      lines.map((l) => [l.speaker, l.offsetMs, l.text]),
      [
        ['event', 0, 'connect: connected to 192.0.2.1:25'],
        ['server', 7, '220 mx.example.org ESMTP'],
        ['client', 8, 'EHLO relay.example'],
        ['server', 11, '250-mx.example.org'],
        ['server', 11, '250 STARTTLS'],
      ],
    );
  });

  it('orders pipelined commands before their replies, as on the wire', () => {
    const ok = (text: string) => ({ code: 250, enhanced: null, lines: [text] });
    const lines = toConversation([
      step({ offsetMs: 10, elapsedMs: 6, command: 'MAIL FROM:<a@x>', reply: ok('250 a') }),
      step({ offsetMs: 10, elapsedMs: 7, command: 'RCPT TO:<b@y>', reply: ok('250 b') }),
    ]);
    assert.deepEqual(
      lines.map((l) => l.text),
      ['MAIL FROM:<a@x>', 'RCPT TO:<b@y>', '250 a', '250 b'],
    );
  });
});

describe('formatOffset', () => {
  it('uses milliseconds below a second and seconds above', () => {
    assert.equal(formatOffset(12.34), '+12.3 ms');
    assert.equal(formatOffset(1240), '+1.24 s');
  });
});

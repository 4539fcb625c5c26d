import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyCommand, maskCommand } from './command.ts';

describe('classifyCommand', () => {
  it('maps each SMTP verb to its step kind, case-insensitively', () => {
    assert.equal(classifyCommand('EHLO relay.example'), 'ehlo');
    assert.equal(classifyCommand('helo relay.example'), 'helo');
    assert.equal(classifyCommand('STARTTLS'), 'starttls');
    assert.equal(classifyCommand('MAIL FROM:<a@example.org> SIZE=10'), 'mail');
    assert.equal(classifyCommand('RCPT TO:<b@example.net>'), 'rcpt');
    assert.equal(classifyCommand('DATA'), 'data');
    assert.equal(classifyCommand('RSET'), 'rset');
    assert.equal(classifyCommand('QUIT'), 'quit');
  });

  it("calls any other verb a 'command'", () => {
    assert.equal(classifyCommand('NOOP'), 'command');
    assert.equal(classifyCommand('AUTH PLAIN AGFsaWNlAHNlY3JldA=='), 'command');
  });
});

describe('maskCommand', () => {
  it('keeps only the mechanism of AUTH with an initial response (RFC 4954)', () => {
    assert.equal(maskCommand('AUTH PLAIN AGFsaWNlAHNlY3JldA=='), 'AUTH PLAIN ****');
    assert.equal(maskCommand('auth xoauth2 dXNlcj1h'), 'auth xoauth2 ****');
  });

  it('leaves AUTH without an initial response and other commands unchanged', () => {
    assert.equal(maskCommand('AUTH LOGIN'), 'AUTH LOGIN');
    assert.equal(maskCommand('MAIL FROM:<a@example.org>'), 'MAIL FROM:<a@example.org>');
  });
});

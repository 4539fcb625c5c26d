import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createVerifiedPasswords } from './verified-passwords.ts';

describe('verified passwords', () => {
  it('remembers a password for its account and stored hash only', () => {
    const verified = createVerifiedPasswords(60);
    verified.add('u1', '$argon2id$hash-1', 'correct horse');

    assert.equal(verified.has('u1', '$argon2id$hash-1', 'correct horse'), true);
    assert.equal(verified.has('u1', '$argon2id$hash-1', 'correct horse '), false);
    assert.equal(verified.has('u2', '$argon2id$hash-1', 'correct horse'), false);
    // A new stored hash (the password was changed) never matches what was remembered.
    assert.equal(verified.has('u1', '$argon2id$hash-2', 'correct horse'), false);
  });

  it('keeps the parts apart: moving text from one part to the next is another entry', () => {
    const verified = createVerifiedPasswords(60);
    verified.add('u1', 'h', 'pw');

    assert.equal(verified.has('u1h', '', 'pw'), false);
    assert.equal(verified.has('u1', 'hp', 'w'), false);
  });

  it('forgets after its ttl, and remembers nothing with a ttl of 0', async () => {
    const verified = createVerifiedPasswords(1);
    const off = createVerifiedPasswords(0);
    verified.add('u1', 'h', 'pw');
    off.add('u1', 'h', 'pw');

    assert.equal(off.has('u1', 'h', 'pw'), false);
    assert.equal(verified.has('u1', 'h', 'pw'), true);
    await sleep(1_100);
    assert.equal(verified.has('u1', 'h', 'pw'), false);
  });
});

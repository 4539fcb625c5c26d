import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dsnAddress, dsnText, rfc5322Date } from './delivery-status.ts';

describe('dsnAddress', () => {
  it('writes ASCII addresses as rfc822 and UTF-8 ones as RFC 6533 utf-8 with \\x{HEX}', () => {
    assert.equal(dsnAddress('bob@example.net'), 'rfc822; bob@example.net');
    assert.equal(dsnAddress('jörg@bücher.example'), 'utf-8; j\\x{F6}rg@b\\x{FC}cher.example');
    assert.equal(dsnAddress('😀@example.net'), 'utf-8; \\x{1F600}@example.net');
  });
});

describe('dsnText', () => {
  it('turns controls into spaces so that a value cannot start a field of its own', () => {
    assert.equal(dsnText('250 ok\r\nAction: delivered'), '250 ok  Action: delivered');
    assert.equal(dsnText('a\x00b\x7fc\td'), 'a b c d');
  });
});

describe('rfc5322Date', () => {
  it('writes the date in UTC as RFC 5322 section 3.3 wants it', () => {
    assert.equal(
      rfc5322Date(new Date('2025-03-01T09:59:00.000Z')),
      'Sat, 01 Mar 2025 09:59:00 +0000',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidAddressError } from '../errors.ts';
import { normalizeAddress, tryNormalizeAddress } from './addresses.ts';

describe('normalizeAddress', () => {
  it('lowercases the domain and keeps the local part as given', () => {
    assert.equal(normalizeAddress('Alice.Smith@Example.COM'), 'Alice.Smith@example.com');
  });

  it('keeps UTF-8 local parts', () => {
    assert.equal(normalizeAddress('jörg@example.de'), 'jörg@example.de');
  });

  for (const bad of [
    'no-at-sign',
    '@example.com',
    'alice@',
    'a@b@example.com',
    'alice smith@example.com',
    '<alice@example.com>',
    'alice@exa mple.com',
    'alice@-bad-.com',
    'alice@example.com\r\nRCPT TO:<x@y>',
    `${'x'.repeat(65)}@example.com`,
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => normalizeAddress(bad), InvalidAddressError);
      assert.equal(tryNormalizeAddress(bad), undefined);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { internalAddressKind } from './address-filter.ts';

describe('internalAddressKind', () => {
  it('names loopback, private, link-local, unspecified and multicast addresses', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.200.1.2', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.0.25', 'private'],
      ['100.64.0.1', 'private'],
      ['fd12:3456::25', 'private'],
      ['::ffff:10.0.0.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.251', 'multicast'],
      ['ff02::1', 'multicast'],
    ];
    for (const [ip, kind] of cases) assert.equal(internalAddressKind(ip), kind, ip);
  });

  it('passes addresses on the public internet', () => {
    for (const ip of ['192.0.2.25', '172.32.0.1', '8.8.8.8', '2001:db8::25', '2a00:1450::1b']) {
      assert.equal(internalAddressKind(ip), null, ip);
    }
  });
});

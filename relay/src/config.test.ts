import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '#shared';
import { loadRelayConfig } from './config.ts';

const BASE = { TENANT: 'acme', NATS_URL: 'nats://127.0.0.1:4999', RELAY_SELF_SIGNED: 'true' };

describe('relay configuration', () => {
  it('refuses an EHLO name carrying CR/LF and a second command, naming the variable (B21)', () => {
    assert.throws(
      () => loadRelayConfig({ ...BASE, RELAY_HOSTNAME: 'relay.example.net\r\nRSET' }),
      (error: unknown) => error instanceof ConfigError && /RELAY_HOSTNAME/.test(error.message),
    );
  });

  it('takes a plain host name', () => {
    assert.equal(
      loadRelayConfig({ ...BASE, RELAY_HOSTNAME: 'relay.example.net' }).RELAY_HOSTNAME,
      'relay.example.net',
    );
  });

  it('refuses internal MX addresses unless DELIVERY_ALLOW_PRIVATE_ADDRESSES is true', () => {
    assert.equal(loadRelayConfig(BASE).DELIVERY_ALLOW_PRIVATE_ADDRESSES, false);
    const allowed = loadRelayConfig({ ...BASE, DELIVERY_ALLOW_PRIVATE_ADDRESSES: 'true' });
    assert.equal(allowed.DELIVERY_ALLOW_PRIVATE_ADDRESSES, true);
  });
});

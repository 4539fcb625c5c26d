import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '#shared';
import { loadOperatorConfig } from './config.ts';

const required = {
  RELAY_IMAGE: 'relay:1',
  RELAY_NATS_URL: 'nats://nats:4222',
  API_URL: 'http://api:4000/graphql',
  API_TOKEN: 't',
};

describe('operator configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadOperatorConfig(required);
    assert.equal(config.NAMESPACE_PREFIX, 'zajoni-');
    assert.equal(config.LEASE_NAME, 'zajoni-operator');
    assert.equal(config.LEASE_DURATION_MS, 15_000);
    assert.equal(config.KUBECONFIG, undefined);
  });

  it('reports every problem at once, by variable name', () => {
    const env = {
      ...required,
      API_URL: 'not a url',
      RELAY_IMAGE: undefined,
      LEASE_RENEW_MS: '20000',
    };
    assert.throws(
      () => loadOperatorConfig(env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const names = error.problems.map((p) => p.split(':')[0]).sort();
        assert.deepEqual(names, ['API_URL', 'RELAY_IMAGE']);
        return true;
      },
    );
  });

  it('refuses a renew period that is not shorter than the lease', () => {
    assert.throws(
      () => loadOperatorConfig({ ...required, LEASE_RENEW_MS: '20000' }),
      /LEASE_RENEW_MS: must be below LEASE_DURATION_MS/,
    );
  });
});

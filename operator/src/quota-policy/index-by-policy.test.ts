import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tenant } from '../api/types.ts';
import { createTenantsByPolicy } from './index-by-policy.ts';

function tenant(name: string, policy: string): Tenant {
  return { metadata: { name }, spec: { quotaPolicyRef: { name: policy } } } as Tenant;
}

describe('tenants by policy index', () => {
  it('moves a tenant between policies and reports both as changed', () => {
    const index = createTenantsByPolicy();
    assert.deepEqual(index.update(tenant('a', 'standard'), false), ['standard']);
    index.update(tenant('b', 'standard'), false);
    assert.deepEqual(index.tenantsOf('standard'), ['a', 'b']);

    assert.deepEqual(index.update(tenant('a', 'strict'), false), ['standard', 'strict']);
    assert.deepEqual(index.tenantsOf('standard'), ['b']);
    assert.deepEqual(index.tenantsOf('strict'), ['a']);
  });

  it('reports nothing for an update that keeps the reference, and forgets deleted tenants', () => {
    const index = createTenantsByPolicy();
    index.update(tenant('a', 'standard'), false);
    assert.deepEqual(index.update(tenant('a', 'standard'), false), []);
    assert.deepEqual(index.update(tenant('a', 'standard'), true), ['standard']);
    assert.deepEqual(index.tenantsOf('standard'), []);
  });
});

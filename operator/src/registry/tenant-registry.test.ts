import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegistryError } from '../errors.ts';
import { createGraphqlTenantRegistry } from './tenant-registry.ts';

function stubFetch(answer: { status: number; body: unknown }) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const tenant = {
  id: 'acme',
  displayName: 'Acme',
  signUp: 'invite' as const,
  confirmationsDefault: true,
  retentionDays: 30,
  senderDomains: ['acme.example'],
};

describe('GraphQL tenant registry', () => {
  it('sends registerTenant with the tenant as input and the admin token as bearer', async () => {
    const stub = stubFetch({ status: 200, body: { data: { registerTenant: { id: 'acme' } } } });
    const registry = createGraphqlTenantRegistry({
      url: 'http://api/graphql',
      token: 's3cret',
      fetch: stub.fetch,
    });
    await registry.register(tenant);
    const [request] = stub.requests;
    assert.equal(request?.url, 'http://api/graphql');
    const headers = request?.init.headers as Record<string, string>;
    assert.equal(headers['authorization'], 'Bearer s3cret');
    const body = JSON.parse(String(request?.init.body));
    assert.match(body.query, /registerTenant\(input: \$input\)/);
    assert.deepEqual(body.variables, { input: tenant });
  });

  it('turns GraphQL errors into a RegistryError carrying their messages', async () => {
    const stub = stubFetch({ status: 200, body: { errors: [{ message: 'not allowed' }] } });
    const registry = createGraphqlTenantRegistry({
      url: 'http://api',
      token: 't',
      fetch: stub.fetch,
    });
    await assert.rejects(registry.deregister('acme'), (error: unknown) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.message, 'cannot deregister tenant acme: not allowed');
      return true;
    });
  });
});

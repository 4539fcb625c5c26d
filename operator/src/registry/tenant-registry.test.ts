import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegistryAuthError, RegistryError } from '../errors.ts';
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
  it('sends registerTenant with the tenant as input, sign-up as the GraphQL enum, and the admin token as bearer', async () => {
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
    assert.deepEqual(body.variables, { input: { ...tenant, signUp: 'INVITE' } });
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

  it('turns a refused token into a RegistryAuthError with the code and HTTP status', async () => {
    const error = { message: 'invalid or expired token', extensions: { code: 'UNAUTHENTICATED' } };
    const stub = stubFetch({ status: 401, body: { errors: [error] } });
    const registry = createGraphqlTenantRegistry({
      url: 'http://api',
      token: 't',
      fetch: stub.fetch,
    });
    await assert.rejects(registry.register(tenant), (thrown: unknown) => {
      assert.ok(thrown instanceof RegistryAuthError);
      assert.equal(thrown.code, 'UNAUTHENTICATED');
      assert.equal(thrown.status, 401);
      assert.match(thrown.message, /refused API_TOKEN as a platform admin/);
      return true;
    });
  });

  it('refuses an answer without data even when it has no errors', async () => {
    const stub = stubFetch({ status: 502, body: 'bad gateway' });
    const registry = createGraphqlTenantRegistry({
      url: 'http://api',
      token: 't',
      fetch: stub.fetch,
    });
    await assert.rejects(registry.deregister('acme'), (thrown: unknown) => {
      assert.ok(thrown instanceof RegistryError && !(thrown instanceof RegistryAuthError));
      assert.equal(thrown.message, 'cannot deregister tenant acme: HTTP 502');
      return true;
    });
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { startTestStack, type TestStack } from '../api/src/testing/stack.ts';
import { RegistryAuthError } from '../operator/src/errors.ts';
import {
  createGraphqlTenantRegistry,
  type TenantRegistration,
} from '../operator/src/registry/tenant-registry.ts';
import { admin, startApiProcess, type ApiProcess } from '../scripts/stack/zajoni.ts';
import type { KubeApiServer } from './kube/index.ts';
import { bearer, errorCode, graphqlClient } from './support/graphql.ts';
import { startCluster, startOperator, waitFor, type OperatorInstance } from './support/operator.ts';
import { conditionOf, policyManifest, TENANT_API, tenantManifest } from './support/tenants.ts';

// The operator's real GraphQL registry client against the real API process (private PostgreSQL
// and NATS), with tokens made as in production: `zajoni-admin platform-admin create`, and the
// Helm chart's Secret given to the API as PLATFORM_ADMIN_TOKEN_FILE.

const TENANTS_QUERY = /* GraphQL */ `
  query {
    tenants {
      id
      displayName
      signUp
      confirmationsDefault
      retentionDays
      senderDomains
    }
  }
`;

const acme: TenantRegistration = {
  id: 'acme',
  displayName: 'Acme Mail Ltd',
  signUp: 'open',
  confirmationsDefault: false,
  retentionDays: 45,
  senderDomains: ['acme.example', 'mail.acme.example'],
};

/** Like the chart's randAlphaNum 48: no zjt_ prefix. */
const randomToken = () => randomBytes(36).toString('base64url');

describe('operator registration against the real API', () => {
  let dir: string;
  let stack: TestStack;
  let api: ApiProcess;
  let client: ReturnType<typeof graphqlClient>;
  /** From `zajoni-admin platform-admin create`. */
  let cliToken: string;
  /** The chart's Secret, as PLATFORM_ADMIN_TOKEN_FILE. */
  const fileToken = randomToken();

  const tenants = async (token: string) =>
    (await client.data<{ tenants: Record<string, unknown>[] }>(TENANTS_QUERY, {}, bearer(token)))
      .tenants;
  const registryWith = (token: string) =>
    createGraphqlTenantRegistry({ url: api.graphqlUrl, token });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-registration-'));
    stack = await startTestStack();
    await writeFile(join(dir, 'token'), `${fileToken}\n`, { mode: 0o600 });
    api = await startApiProcess({
      dir,
      databaseUrl: stack.databaseUrl,
      natsUrl: stack.natsUrl,
      extraEnv: { PLATFORM_ADMIN_TOKEN_FILE: join(dir, 'token'), LOG_LEVEL: 'warn' },
    });
    client = graphqlClient(api.graphqlUrl);
    // The API migrated the database at start; the CLI needs its tables.
    cliToken = (
      await admin(stack.databaseUrl, ['platform-admin', 'create', '--name', 'ops'])
    ).trim();
  });

  after(async () => {
    await api?.process.stop();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a tenant with its settings, again without change, and deregisters it', async () => {
    const registry = registryWith(cliToken);
    const expected = { ...acme, signUp: 'OPEN' };

    await registry.register(acme);
    assert.deepEqual(await tenants(cliToken), [expected]);

    // Every operator start registers each Tenant once more.
    await registry.register(acme);
    assert.deepEqual(await tenants(cliToken), [expected]);

    await registry.deregister('acme');
    assert.deepEqual(await tenants(cliToken), []);
    // A retried finalizer deregisters a tenant that is gone already.
    await registry.deregister('acme');
  });

  it('fails with RegistryAuthError for a token the API does not know', async () => {
    await assert.rejects(registryWith(randomToken()).register(acme), (error: unknown) => {
      assert.ok(error instanceof RegistryAuthError, String(error));
      assert.equal(error.code, 'UNAUTHENTICATED');
      assert.equal(error.status, 401);
      assert.match(error.message, /^cannot register tenant acme: the API refused API_TOKEN/);
      return true;
    });
    assert.deepEqual(await tenants(cliToken), [], 'nothing registered');
  });

  it('takes the PLATFORM_ADMIN_TOKEN_FILE token as a platform admin, and no other', async () => {
    const me = '{ me { kind } }';
    assert.deepEqual(await client.data(me, {}, bearer(fileToken)), {
      me: { kind: 'PLATFORM_ADMIN' },
    });
    const wrong = await client.gql(me, {}, bearer(`${fileToken.slice(0, -1)}x`));
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong), 'UNAUTHENTICATED');
    // It has no platform_admins row, so it cannot own API tokens.
    const mint = 'mutation { createApiToken(name: "x") { token } }';
    assert.equal(errorCode(await client.gql(mint, {}, bearer(fileToken))), 'FORBIDDEN');
  });

  describe('through the Tenant controller', () => {
    let server: KubeApiServer;
    let kc: KubeConfig;
    let kube: KubernetesObjectApi;
    let instance: OperatorInstance | undefined;

    async function runOperator(token: string) {
      await instance?.operator.stop();
      instance = startOperator(kc, { registry: registryWith(token) });
      await instance.operator.start();
      await waitFor('leadership', () => instance?.operator.isLeader() ?? false);
    }

    before(async () => {
      ({ server, kc } = await startCluster());
      kube = KubernetesObjectApi.makeApiClient(kc);
      await kube.create(policyManifest('standard', 50));
    });

    after(async () => {
      await instance?.operator.stop();
      await server?.close();
    });

    it('reports a refused token as Degraded, then registers and deregisters with the right one', async () => {
      await runOperator(randomToken());
      await kube.create(tenantManifest('globex'));
      await waitFor(
        'Degraded=True',
        () => conditionOf(server, 'globex', 'Degraded')?.status === 'True',
      );
      const degraded = conditionOf(server, 'globex', 'Degraded');
      assert.equal(degraded?.reason, 'RegistrationFailed');
      assert.match(
        degraded?.message ?? '',
        /refused API_TOKEN as a platform admin \(UNAUTHENTICATED/,
      );

      // The chart gives the operator the Secret the API reads as PLATFORM_ADMIN_TOKEN_FILE.
      await runOperator(fileToken);
      let registered: Record<string, unknown>[] = [];
      await waitFor('globex in the API', async () => {
        registered = await tenants(cliToken);
        return registered.length === 1;
      });
      assert.deepEqual(registered, [
        {
          id: 'globex',
          displayName: 'globex Ltd',
          signUp: 'INVITE',
          confirmationsDefault: true,
          retentionDays: 365,
          senderDomains: ['globex.example'],
        },
      ]);
      await waitFor(
        'Degraded=False',
        () => conditionOf(server, 'globex', 'Degraded')?.status === 'False',
      );

      await kube.delete({ ...TENANT_API, metadata: { name: 'globex' } });
      await waitFor(
        'the Tenant finalized',
        () => !server.store.get({ ...TENANT_API, name: 'globex' }),
      );
      assert.deepEqual(await tenants(cliToken), []);
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { runKubectl, startKubeApiServer, type KubeApiServer } from './kube/index.ts';
import { policyManifest, TENANT_API, tenantManifest } from './support/tenants.ts';

/** What a user sees: kubectl against the fixture, with the CRDs and samples from crds/. */
describe('CRDs: what kubectl accepts and refuses', () => {
  let server: KubeApiServer;
  const kubectl = (args: string[], input?: string) =>
    runKubectl(server.kubeconfigPath, args, input);

  before(async () => {
    server = await startKubeApiServer();
    const crds = await kubectl(['apply', '-f', 'crds/']);
    assert.equal(crds.code, 0, crds.stderr);
  });

  after(async () => {
    await server.close();
  });

  it('accepts the samples as they are and fills in the defaults', async () => {
    const samples = await kubectl(['apply', '-f', 'crds/samples/quotapolicy-standard.yaml']);
    assert.equal(samples.code, 0, samples.stderr);
    const tenant = await kubectl(['apply', '-f', 'crds/samples/tenant-example.yaml']);
    assert.equal(tenant.code, 0, tenant.stderr);

    const minimal = await kubectl(['apply', '-f', '-'], stringify(tenantManifest('minimal')));
    assert.equal(minimal.code, 0, minimal.stderr);
    const stored = server.store.get({ ...TENANT_API, name: 'minimal' })!;
    const spec = stored['spec'] as Record<string, unknown>;
    assert.equal(spec['signUp'], 'invite');
    assert.equal(spec['confirmationsDefault'], true);
    assert.equal(spec['transcriptRetentionDays'], 365);
    assert.equal(spec['paused'], false);
    assert.deepEqual(spec['relay'], {
      hostname: 'relay.minimal.example',
      replicas: 2,
      service: { type: 'LoadBalancer' },
    });
  });

  it('shows Ready, Endpoint, Policy and Age columns, and answers to the short name', async () => {
    const table = await kubectl(['get', 'zt']);
    assert.equal(table.code, 0, table.stderr);
    const header = table.stdout.split('\n')[0]?.split(/\s+/).filter(Boolean);
    assert.deepEqual(header, ['NAME', 'READY', 'ENDPOINT', 'POLICY', 'AGE']);
  });

  it('refuses a Tenant with bad values, naming each field', async () => {
    const manifest = tenantManifest('bad');
    const bad = {
      ...manifest,
      spec: {
        ...manifest.spec,
        senderDomains: [],
        signUp: 'sometimes',
        transcriptRetentionDays: 0,
      },
    };
    const result = await kubectl(['apply', '-f', '-'], stringify(bad));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /spec\.signUp: Unsupported value: "sometimes"/);
    assert.match(result.stderr, /spec\.senderDomains: Invalid value: .*should have at least 1/);
    assert.match(result.stderr, /spec\.transcriptRetentionDays: Invalid value: 0/);
    assert.equal(server.store.get({ ...TENANT_API, name: 'bad' }), undefined);
  });

  it('refuses rules that span fields with the CRD message', async () => {
    const manifest = tenantManifest('clash');
    const clash = {
      ...manifest,
      spec: { ...manifest.spec, relay: { hostname: 'clash.example' } },
    };
    const hostname = await kubectl(['apply', '-f', '-'], stringify(clash));
    assert.notEqual(hostname.code, 0);
    assert.match(hostname.stderr, /relay\.hostname names a host, not a sender domain/);

    const long = await kubectl(['apply', '-f', '-'], stringify(tenantManifest('a'.repeat(56))));
    assert.notEqual(long.code, 0);
    assert.match(long.stderr, /a Tenant name is at most 55 characters/);

    const policy = policyManifest('odd', 3);
    policy.spec.connectionsPerUser = 4;
    const connections = await kubectl(['apply', '-f', '-'], stringify(policy));
    assert.notEqual(connections.code, 0);
    assert.match(connections.stderr, /connectionsPerUser cannot exceed messagesPerDay/);
  });
});

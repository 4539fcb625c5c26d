import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { freePort } from '../scripts/stack/index.ts';
import type { KubeApiServer } from './kube/index.ts';
import { startCluster, waitFor } from './support/operator.ts';
import { object, policyManifest, tenantManifest } from './support/tenants.ts';

/** The operator as it runs in a Pod: its own process, configured by the environment. */
describe('operator process', () => {
  let server: KubeApiServer;
  let child: ChildProcess;
  let api: KubernetesObjectApi;
  let port: number;
  let output = '';

  before(async () => {
    let kc;
    ({ server, kc } = await startCluster());
    api = KubernetesObjectApi.makeApiClient(kc);
    await api.create(policyManifest('standard', 50));
    port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'operator/src/main.ts'], {
      env: {
        ...process.env,
        KUBECONFIG: server.kubeconfigPath,
        RELAY_IMAGE: 'relay:1',
        RELAY_NATS_URL: 'nats://127.0.0.1:1',
        API_URL: 'http://127.0.0.1:1/graphql',
        API_TOKEN: 'not-used',
        HTTP_PORT: String(port),
        POD_NAME: 'operator-0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });

  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await server.close();
  });

  const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);

  it('becomes ready, leads, and serves its metrics', async () => {
    await waitFor('/readyz', async () => (await get('/readyz')).status === 200, 60_000);
    assert.equal((await get('/healthz')).status, 200);
    await waitFor('leadership', async () => {
      return (await (await get('/metrics')).text()).includes('zajoni_operator_leader 1');
    });
  });

  it('reports a registration it cannot make on the Tenant, as the API is unreachable', async () => {
    await api.create(tenantManifest('acme'));
    await waitFor('RegistrationFailed', () => {
      const status = object(server, 'zajoni.io/v1alpha1', 'Tenant', undefined, 'acme')?.[
        'status'
      ] as { conditions?: { type: string; reason: string }[] } | undefined;
      return status?.conditions?.some((c) => c.reason === 'RegistrationFailed') ?? false;
    });
  });

  it('gives up its Lease and exits 0 on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, output);
    const lease = object(
      server,
      'coordination.k8s.io/v1',
      'Lease',
      'zajoni-system',
      'zajoni-operator',
    );
    assert.equal((lease?.['spec'] as { holderIdentity?: string }).holderIdentity, '');
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runKubectl, Verb, startKubeApiServer, type KubeApiServer } from './kube/index.ts';

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
  labels:
    app: zajoni
data:
  hello: world
  bye: moon
`;

describe('kube fixture: kubectl', () => {
  let api: KubeApiServer;
  const kubectl = async (args: string[], input?: string) => {
    const result = await runKubectl(api.kubeconfigPath, args, input);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    api = await startKubeApiServer();
  });
  after(() => api.close());

  it('applies a ConfigMap from a file and prints it with the real printer columns', async () => {
    assert.equal(
      (await kubectl(['apply', '-f', '-'], CONFIGMAP)).trim(),
      'configmap/greeting created',
    );
    const table = await kubectl(['get', 'configmaps']);
    assert.match(table, /^NAME\s+DATA\s+AGE\n/);
    assert.match(table, /\ngreeting\s+2\s+\d+s\n/);
    const created = api.writes().find((r) => r.verb === Verb.create);
    assert.equal(created?.fieldManager, 'kubectl-client-side-apply');
    const changed = CONFIGMAP.replace('moon', 'sun');
    assert.equal(
      (await kubectl(['apply', '-f', '-'], changed)).trim(),
      'configmap/greeting configured',
    );
    const json = JSON.parse(await kubectl(['get', 'configmap', 'greeting', '-o', 'json'])) as {
      data: Record<string, string>;
    };
    assert.deepEqual(json.data, { hello: 'world', bye: 'sun' });
  });

  it('selects by label and deletes', async () => {
    const names = await kubectl(['get', 'cm', '-l', 'app=zajoni', '-o', 'name']);
    assert.equal(names.trim(), 'configmap/greeting');
    assert.match(await kubectl(['delete', 'configmap', 'greeting']), /deleted/);
    const missing = await runKubectl(api.kubeconfigPath, ['get', 'configmap', 'greeting']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NotFound.*configmaps "greeting" not found/);
  });

  it('applies the project CRDs and sample Tenant server-side and prints the printer columns', async (t) => {
    if (!existsSync('crds/tenants.zajoni.io.yaml') || !existsSync('crds/samples')) {
      t.skip('crds/ is not there yet');
      return;
    }
    await kubectl(['apply', '--server-side', '-f', 'crds/']);
    await kubectl([
      'wait',
      '--for',
      'condition=Established',
      'crd/tenants.zajoni.io',
      '--timeout=20s',
    ]);
    await kubectl(['apply', '--server-side', '-f', 'crds/samples/quotapolicy-standard.yaml']);
    await kubectl(['apply', '--server-side', '-f', 'crds/samples/tenant-example.yaml']);
    const table = await kubectl(['get', 'tenants']);
    assert.match(table, /^NAME\s+READY\s+ENDPOINT\s+POLICY\s+AGE\n/);
    // Missing cells are null in the Table; kubectl prints them blank.
    assert.match(table, /\nexample {2,}\s+standard\s+\d+s\n/);
    const ref = { apiVersion: 'zajoni.io/v1alpha1', kind: 'Tenant', name: 'example' };
    const condition = { type: 'Ready', status: 'True', reason: 'RelayAvailable' };
    api.store.patch(ref, { status: { conditions: [condition], readyReplicas: 2 } });
    const wide = await kubectl(['get', 'zt', '-o', 'wide']);
    assert.match(wide, /^NAME\s+READY\s+REASON\s+ENDPOINT\s+POLICY\s+REPLICAS\s+AGE\n/);
    assert.match(wide, /\nexample\s+True\s+RelayAvailable\s+standard\s+2\s+\d+s\n/);
    const policies = await kubectl(['get', 'quotapolicies']);
    assert.match(policies, /\nstandard\s+50\s+50\s+\d+s\n/);
  });
});

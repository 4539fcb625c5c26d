import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { parse as parseYaml } from 'yaml';
import { createApiYoga, HEALTH_PATH, parseAdminConfig, parseApiConfig } from '../api/src/index.ts';
import { createPlatformAdminToken } from '../api/src/accounts/platform-admin-token.ts';
import { createCaptureLog } from '../api/src/testing/capture-log.ts';
import { loadOperatorConfig } from '../operator/src/config.ts';
import {
  CHART_DIR,
  helm,
  parseManifests,
  renderChart,
  ROOT,
  type KubeObject,
} from './support/helm.ts';

const run = promisify(execFile);

const FULL_VALUES = join(CHART_DIR, 'ci/full-values.yaml');
const STANDARD_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
  'app.kubernetes.io/managed-by',
];
const SELECTOR_KEYS = [
  'app.kubernetes.io/component',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/name',
];

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type SecretVolume = {
  name: string;
  secret?: { secretName: string; items: { key: string; path: string }[] };
};
type Pod = { spec: Record<string, unknown>; labels: Record<string, string>; owner: KubeObject };
type Container = {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  resources?: { requests?: Record<string, unknown> };
  securityContext?: Record<string, unknown>;
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  command?: string[];
  volumeMounts?: { name: string; mountPath: string }[];
};

/** Pod specs of Deployments, Jobs and bare Pods, with the object they come from. */
function podsOf(objects: readonly KubeObject[]): Pod[] {
  return objects.flatMap((object): Pod[] => {
    const spec = object.spec as Record<string, unknown> | undefined;
    if (object.kind === 'Pod') {
      return [{ spec: spec!, labels: object.metadata.labels ?? {}, owner: object }];
    }
    if (object.kind !== 'Deployment' && object.kind !== 'Job') return [];
    const template = spec!.template as {
      metadata: { labels: Record<string, string> };
      spec: Record<string, unknown>;
    };
    return [{ spec: template.spec, labels: template.metadata.labels, owner: object }];
  });
}

const containersOf = (pod: Pod) => pod.spec.containers as Container[];
const kindsOf = (objects: readonly KubeObject[]) => objects.map((o) => o.kind).sort();
const find = (objects: readonly KubeObject[], kind: string, suffix: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
  assert.ok(found, `no ${kind} named *${suffix}`);
  return found;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

describe('helm chart charts/zajoni', () => {
  let defaults: KubeObject[];
  let full: KubeObject[];

  before(async () => {
    defaults = await renderChart();
    full = await renderChart(['--values', FULL_VALUES]);
  });

  it('passes helm lint --strict with the default and the full-featured values', async () => {
    for (const extra of [[], ['--values', FULL_VALUES]]) {
      const result = await helm(['lint', '--strict', CHART_DIR, ...extra]);
      assert.equal(
        result.code,
        0,
        `helm lint ${extra.join(' ')}:\n${result.stdout}${result.stderr}`,
      );
    }
  });

  it('renders exactly the expected objects', () => {
    const base = ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Deployment', 'Job'];
    base.push('Pod', 'Role', 'RoleBinding', 'Secret', 'Service', 'Service', 'ServiceAccount');
    // Default: 2 API replicas get a PDB; the single operator replica does not.
    assert.deepEqual(kindsOf(defaults), [...base, 'PodDisruptionBudget'].sort());
    const extra = ['PodDisruptionBudget', 'PodDisruptionBudget', 'Ingress', 'ServiceMonitor'];
    extra.push('CustomResourceDefinition', 'CustomResourceDefinition');
    assert.deepEqual(kindsOf(full), [...base, ...extra].sort());
    assert.equal((find(full, 'Deployment', '-operator').spec as { replicas: number }).replicas, 2);
  });

  it('labels every object and selects pods by name, instance and component only', () => {
    for (const objects of [defaults, full]) {
      for (const object of objects) {
        for (const label of STANDARD_LABELS) {
          assert.ok(
            object.metadata.labels?.[label],
            `${object.kind} ${object.metadata.name}: ${label}`,
          );
        }
      }
      const pods = podsOf(objects);
      for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
        const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } })
          .selector.matchLabels;
        assert.deepEqual(Object.keys(selector).sort(), SELECTOR_KEYS, deployment.metadata.name);
        const pod = pods.find((p) => p.owner === deployment)!;
        assert.ok(matches(selector, pod.labels), `${deployment.metadata.name} selects its pods`);
      }
      // Every Service and PDB selects the pods of exactly one Deployment.
      const deploymentPods = pods.filter((p) => p.owner.kind === 'Deployment');
      for (const object of objects.filter((o) =>
        ['Service', 'PodDisruptionBudget'].includes(o.kind),
      )) {
        const spec = object.spec as {
          selector: Record<string, string> & { matchLabels?: Record<string, string> };
        };
        const selector = spec.selector.matchLabels ?? spec.selector;
        const selected = deploymentPods.filter((p) => matches(selector, p.labels));
        assert.equal(selected.length, 1, `${object.kind} ${object.metadata.name} selects one`);
      }
    }
  });

  it('runs every pod non-root, read-only, without capabilities, with requests and pinned images', () => {
    for (const pod of podsOf(full).concat(podsOf(defaults))) {
      const where = `${pod.owner.kind} ${pod.owner.metadata.name}`;
      const podContext = pod.spec.securityContext as Record<string, unknown>;
      assert.equal(podContext.runAsNonRoot, true, where);
      assert.deepEqual(podContext.seccompProfile, { type: 'RuntimeDefault' }, where);
      for (const container of containersOf(pod)) {
        const context = container.securityContext ?? {};
        assert.equal(context.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
        assert.equal(context.allowPrivilegeEscalation, false, `${where}: privilege escalation`);
        assert.deepEqual(context.capabilities, { drop: ['ALL'] }, `${where}: capabilities`);
        assert.ok(container.resources?.requests?.cpu, `${where}: cpu request`);
        assert.ok(container.resources?.requests?.memory, `${where}: memory request`);
        assert.match(container.image, /^ghcr\.io\/zajoni\/zajoni-[a-z]+:0\.1\.0$/, where);
      }
    }
  });

  it('probes the API on its real endpoints: /health for liveness, /healthz (database) for readiness', async () => {
    const api = containersOf(
      podsOf(defaults).find((p) => p.owner.metadata.name.endsWith('-api'))!,
    )[0]!;
    assert.equal(api.livenessProbe?.httpGet?.path, '/health');
    assert.equal(api.readinessProbe?.httpGet?.path, HEALTH_PATH);
    const brokenDb = { query: () => Promise.reject(new Error('connection refused')) };
    const yoga = createApiYoga(brokenDb as unknown as Pool, createCaptureLog().log);
    const live = await yoga.fetch(`http://api${api.livenessProbe.httpGet.path}`);
    assert.equal(live.status, 200, 'liveness must not depend on PostgreSQL');
    const ready = await yoga.fetch(`http://api${api.readinessProbe.httpGet.path}`);
    assert.equal(ready.status, 503, 'readiness reports the database');
  });

  it('starts the API with its tracing set-up loaded first, as the image does', () => {
    const api = containersOf(
      podsOf(defaults).find((p) => p.owner.metadata.name.endsWith('-api'))!,
    )[0]!;
    assert.deepEqual(api.command, [
      'node',
      '--import',
      './api/src/telemetry/register.ts',
      'api/src/main.ts',
    ]);
    assert.ok(existsSync(join(ROOT, 'api/src/telemetry/register.ts')));
  });

  it('gives the API and the migration Job an environment their config schemas accept', () => {
    const env = (suffix: string) => {
      const pod = podsOf(defaults).find((p) => p.owner.metadata.name.endsWith(suffix))!;
      const entries = containersOf(pod)[0]!.env ?? [];
      // A Secret reference stands for a valid URL of the kind the Secret must hold.
      const sample = (name: string) => (name === 'DATABASE_URL' ? 'postgres://u:p@db/zajoni' : '');
      return Object.fromEntries(entries.map((e) => [e.name, e.value ?? sample(e.name)]));
    };
    const api = parseApiConfig(env('-api'));
    assert.equal(api.API_HOST, '0.0.0.0', 'the API must listen on the pod address');
    assert.equal(api.NATS_URL, 'nats://nats.nats.svc:4222');
    parseAdminConfig(env('-migrate'));
  });

  it('gives the operator an environment its config schema accepts, its Lease in the release namespace', () => {
    const pod = podsOf(full).find((p) => p.owner.metadata.name.endsWith('-operator'))!;
    const entries = containersOf(pod)[0]!.env!;
    const env = new Map(entries.map((e) => [e.name, e]));
    assert.ok(env.get('RELAY_NATS_URL')?.valueFrom, 'nats.existingSecret feeds the relays');
    assert.ok(env.get('API_TOKEN')?.valueFrom, 'the token comes from a Secret');
    // Secret and field references stand for values of the kind they must hold.
    const samples: Record<string, string> = {
      RELAY_NATS_URL: 'nats://nats:4222',
      API_TOKEN: 'x'.repeat(48),
      POD_NAME: 'zj-zajoni-operator-0',
    };
    const config = loadOperatorConfig(
      Object.fromEntries(entries.map((e) => [e.name, e.value ?? samples[e.name]])),
    );
    assert.equal(config.RELAY_IMAGE, 'ghcr.io/zajoni/zajoni-relay:0.1.0');
    assert.equal(config.API_URL, 'http://zj-zajoni-api.zajoni-system.svc:4000/graphql');
    assert.equal(config.LEASE_NAMESPACE, 'zajoni-system');
    assert.equal(config.LOG_LEVEL, 'info');
  });

  it('gives the API the Secret key the operator sends as its platform admin token', async () => {
    const customSecret = await renderChart([
      '--set',
      'operator.apiToken.existingSecret=ops-token,operator.apiToken.existingSecretKey=api',
    ]);
    for (const [objects, secret, key] of [
      [defaults, 'zj-zajoni-api-token', 'token'],
      [customSecret, 'ops-token', 'api'],
    ] as const) {
      const podOf = (suffix: string) =>
        podsOf(objects).find((p) => p.owner.metadata.name.endsWith(suffix))!;
      const operatorToken = containersOf(podOf('-operator'))[0]!.env!.find(
        (e) => e.name === 'API_TOKEN',
      );
      assert.deepEqual(operatorToken?.valueFrom, { secretKeyRef: { name: secret, key } });

      const apiPod = podOf('-api');
      const api = containersOf(apiPod)[0]!;
      const file = api.env!.find((e) => e.name === 'PLATFORM_ADMIN_TOKEN_FILE')?.value ?? '';
      const mounts = (api.volumeMounts ?? []).filter((m) => file.startsWith(`${m.mountPath}/`));
      assert.equal(mounts.length, 1, `one mount holds ${file}`);
      const mount = mounts[0]!;
      const volumes = apiPod.spec.volumes as SecretVolume[];
      const volume = volumes.find((v) => v.name === mount.name);
      assert.equal(volume?.secret?.secretName, secret);
      const item = volume.secret.items.find((i) => `${mount.mountPath}/${i.path}` === file);
      assert.equal(item?.key, key, 'the file is the key the operator reads');
    }
    const created = find(defaults, 'Secret', '-api-token') as KubeObject & {
      data: Record<string, string>;
    };
    const token = Buffer.from(created.data['token']!, 'base64').toString();
    assert.doesNotThrow(() => createPlatformAdminToken(token), 'the API accepts its strength');
  });

  it('grants the operator exactly the rules of operator/rbac.yaml, deleting only Deployments', async () => {
    // operator/rbac.yaml is what the operator's integration tests check its requests against.
    const source = parseManifests(await readFile(join(ROOT, 'operator/rbac.yaml'), 'utf8'));
    const rulesOf = (objects: readonly KubeObject[], kind: string) =>
      (objects.find((o) => o.kind === kind) as KubeObject & { rules: Rule[] }).rules;
    for (const kind of ['ClusterRole', 'Role']) {
      assert.deepEqual(rulesOf(defaults, kind), rulesOf(source, kind), kind);
    }
    const deletes = rulesOf(defaults, 'ClusterRole').filter((r) => r.verbs.includes('delete'));
    // The relay stops before a deleted Tenant's NATS state is purged; the rest is collected.
    assert.deepEqual(deletes, [
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
      },
    ]);
    const role = find(defaults, 'Role', '-leader-election');
    assert.equal(role.metadata.namespace, 'zajoni-system', 'the Lease is in the release namespace');
    const binding = find(defaults, 'ClusterRoleBinding', '-operator') as KubeObject & {
      subjects: { name: string; namespace: string }[];
    };
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'zj-zajoni-operator', namespace: 'zajoni-system' },
    ]);
  });

  it('runs migrations as a pre-install/pre-upgrade hook with zajoni-admin migrate', () => {
    const job = find(defaults, 'Job', '-migrate');
    const annotations = job.metadata.annotations as Record<string, string>;
    assert.equal(annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
    const container = containersOf(podsOf([job])[0]!)[0]!;
    assert.deepEqual(container.command, ['node', 'api/src/cli.ts', 'migrate']);
  });

  // The schema's checks fail lint and template; a template's `fail` only fails template, as
  // helm lint reports it as a notice.
  const LINT_AND_TEMPLATE = [
    ['lint', '--strict'],
    ['template', 'zj'],
  ] as const;
  const TEMPLATE = [['template', 'zj']] as const;
  for (const [name, args, message, commands] of [
    [
      'an unknown key',
      ['--set', 'operator.replicaz=2'],
      "additional properties 'replicaz' not allowed",
      LINT_AND_TEMPLATE,
    ],
    [
      'a wrong type',
      ['--set-string', 'api.replicas=two'],
      'got string, want integer',
      LINT_AND_TEMPLATE,
    ],
    [
      'an unknown top-level key',
      ['--set', 'postgres.enabled=true'],
      "'postgres' not allowed",
      LINT_AND_TEMPLATE,
    ],
    [
      'the latest tag',
      ['--set', 'relay.image.tag=latest'],
      "at '/relay/image/tag'",
      LINT_AND_TEMPLATE,
    ],
    [
      'an Ingress without hosts',
      ['--set', 'api.ingress.enabled=true'],
      "at '/api/ingress/hosts': minItems",
      LINT_AND_TEMPLATE,
    ],
    [
      'a lease renewal not below its duration',
      ['--set', 'operator.lease.renewMs=20000'],
      'renewMs must be below',
      TEMPLATE,
    ],
    [
      'the latest tag without the schema',
      ['--set', 'api.image.tag=latest', '--skip-schema-validation'],
      'the tag "latest" is not allowed',
      TEMPLATE,
    ],
  ] as const) {
    it(`refuses ${name}, naming the problem`, async () => {
      for (const command of commands) {
        const result = await helm([...command, CHART_DIR, ...args]);
        assert.notEqual(result.code, 0, `${command[0]} must fail`);
        assert.ok(
          `${result.stdout}${result.stderr}`.includes(message),
          `${command[0]}: ${result.stderr}`,
        );
      }
    });
  }
});

describe('chart CRDs', () => {
  const crdFiles = async () =>
    (await readdir(join(ROOT, 'crds'))).filter((f) => f.endsWith('.yaml')).sort();

  it('are the repository crds/ files, through a symlink, without the samples', async () => {
    const shown = await helm(['show', 'crds', CHART_DIR]);
    assert.equal(shown.code, 0, shown.stderr);
    const names = parseManifests(shown.stdout).map((o) => `${o.kind}/${o.metadata.name}`);
    const expected = [];
    for (const file of await crdFiles()) {
      const crd = parseYaml(await readFile(join(ROOT, 'crds', file), 'utf8')) as KubeObject;
      expected.push(`${crd.kind}/${crd.metadata.name}`);
    }
    assert.deepEqual(names.sort(), expected.sort());
  });

  it('are packaged byte for byte, samples left out', async () => {
    const out = await mkdtemp(join(tmpdir(), 'zajoni-chart-'));
    try {
      const result = await helm(['package', CHART_DIR, '--destination', out]);
      assert.equal(result.code, 0, result.stderr);
      const [archive] = (await readdir(out)).filter((f) => f.endsWith('.tgz'));
      await run('tar', ['-xzf', join(out, archive!), '-C', out]);
      const packaged = (await readdir(join(out, 'zajoni/crds'))).sort();
      assert.deepEqual(packaged, await crdFiles(), 'no samples/ folder, no missing CRD');
      for (const file of packaged) {
        const inChart = await readFile(join(out, 'zajoni/crds', file), 'utf8');
        assert.equal(inChart, await readFile(join(ROOT, 'crds', file), 'utf8'), file);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('can be templated from the same files, kept on uninstall', async () => {
    const objects = await renderChart(['--set', 'crds.templated=true']);
    const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
    assert.equal(crds.length, (await crdFiles()).length);
    for (const crd of crds) {
      const annotations = crd.metadata.annotations as Record<string, string>;
      assert.equal(annotations['helm.sh/resource-policy'], 'keep');
      const source = parseYaml(
        await readFile(join(ROOT, 'crds', `${crd.metadata.name}.yaml`), 'utf8'),
      );
      assert.deepEqual(crd.spec, (source as KubeObject).spec, crd.metadata.name);
    }
  });
});

describe('helm test pod', () => {
  /** Runs the test pod's own command locally against stand-in servers. */
  async function runHealthCheck(operatorStatus: number): Promise<{ code: number; out: string }> {
    const objects = await renderChart();
    const pod = podsOf(objects).find((p) => p.owner.kind === 'Pod')!;
    const container = containersOf(pod)[0]!;
    const servers: Server[] = [];
    const serve = async (status: number) => {
      const server = createServer((_, res) => res.writeHead(status).end());
      servers.push(server);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const env = {
      ...process.env,
      API_HEALTH_URL: `${await serve(200)}/healthz`,
      OPERATOR_READY_URL: `${await serve(operatorStatus)}/readyz`,
    };
    const [command, ...args] = container.command!;
    try {
      const { stdout } = await run(command!, args, { env });
      return { code: 0, out: stdout };
    } catch (error) {
      const failure = error as { code: number; stdout: string };
      return { code: failure.code, out: failure.stdout };
    } finally {
      for (const server of servers) server.close();
    }
  }

  it('passes when the API and the operator answer 200', async () => {
    const result = await runHealthCheck(200);
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /operator: ready/);
  });

  it('fails when the operator is not ready', async () => {
    const result = await runHealthCheck(503);
    assert.equal(result.code, 1);
    assert.match(result.out, /operator: NOT ready .*HTTP 503/);
  });
});

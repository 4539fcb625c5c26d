import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './kube/index.ts';
import { loadConfig, rejection } from './support/kube-client.ts';

const GROUP = 'test.zajoni.io';
const VERSION = 'v1';
const PLURAL = 'widgets';

/** A small CRD exercising every schema feature the fixture implements. */
const WIDGET_CRD: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: PLURAL, singular: 'widget', kind: 'Widget', shortNames: ['wg'] },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Size', type: 'string', jsonPath: '.spec.size' },
          { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                x_kubernetes_validations: [
                  {
                    rule: 'self.replicas <= self.maxReplicas',
                    message: 'replicas cannot exceed maxReplicas',
                  },
                ],
                properties: {
                  size: { type: 'string', _enum: ['small', 'large'] },
                  replicas: { type: 'integer', minimum: 0, _default: 1 },
                  maxReplicas: { type: 'integer', maximum: 10, _default: 3 },
                  label: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' },
                  tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
                  logging: {
                    type: 'object',
                    _default: {},
                    properties: { level: { type: 'string', _default: 'info' } },
                  },
                  owner: {
                    type: 'string',
                    x_kubernetes_validations: [
                      { rule: 'self == oldSelf', message: 'owner is immutable' },
                    ],
                  },
                  extra: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
                },
              },
              status: {
                type: 'object',
                properties: { phase: { type: 'string' }, ready: { type: 'integer' } },
              },
            },
          },
        },
      },
    ],
  },
};

type Widget = {
  metadata: { name: string; resourceVersion?: string; generation?: number };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

describe('kube fixture: custom resources', () => {
  let api: KubeApiServer;
  let crds: ApiextensionsV1Api;
  let custom: CustomObjectsApi;
  const widget = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Widget',
    metadata: { name },
    spec,
  });
  const create = (body: object) =>
    custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'default',
      plural: PLURAL,
      body,
    }) as Promise<Widget>;
  const read = (name: string) =>
    custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'default',
      plural: PLURAL,
      name,
    }) as Promise<Widget>;

  before(async () => {
    api = await startKubeApiServer();
    const config = loadConfig(api.kubeconfigPath);
    crds = config.makeApiClient(ApiextensionsV1Api);
    custom = config.makeApiClient(CustomObjectsApi);
    await crds.createCustomResourceDefinition({ body: WIDGET_CRD });
    await api.settle();
  });
  after(() => api.close());

  it('establishes the CRD and serves its resource in discovery', async () => {
    const crd = await crds.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
    const conditions = crd.status?.conditions?.map((c) => `${c.type}=${c.status}`);
    assert.deepEqual(conditions, ['NamesAccepted=True', 'Established=True']);
    assert.deepEqual(crd.metadata?.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);
    const response = await fetch(`${api.url}/apis/${GROUP}/${VERSION}`);
    const list = (await response.json()) as {
      resources: { name: string; kind: string; shortNames?: string[]; namespaced: boolean }[];
    };
    assert.deepEqual(
      list.resources.map((r) => [r.name, r.kind, r.namespaced, r.shortNames ?? []]),
      [
        [PLURAL, 'Widget', true, ['wg']],
        [`${PLURAL}/status`, 'Widget', true, []],
      ],
    );
  });

  it('applies nested defaults and prunes unknown fields, keeping preserved ones', async () => {
    await create(
      widget('defaults', { size: 'small', bogus: true, extra: { anything: { goes: 1 } } }),
    );
    const stored = await read('defaults');
    assert.deepEqual(stored.spec, {
      size: 'small',
      replicas: 1,
      maxReplicas: 3,
      logging: { level: 'info' },
      extra: { anything: { goes: 1 } },
    });
  });

  it('reports every schema violation at once as 422 Invalid with field paths', async () => {
    const error = await rejection(
      create(
        widget('bad', { size: 'huge', replicas: -1, label: 'TooLong', tags: ['a', 'b', 'c'] }),
      ),
    );
    assert.equal(error.code, 422);
    assert.equal(error.reason, 'Invalid');
    const causes = error.details?.causes?.map((c) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes, [
      'spec.size: Unsupported value: "huge": supported values: "small", "large"',
      'spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
      'spec.label: Too long: may not be more than 5 bytes',
      'spec.label: Invalid value: "TooLong": spec.label in body should match \'^[a-z]+$\'',
      'spec.tags: Too many: 3: must have at most 2 items',
    ]);
    assert.match(
      error.message,
      /^Widget\.test\.zajoni\.io "bad" is invalid: \[spec\.size: Unsupported value/,
    );
    const missing = await rejection(create(widget('empty', {})));
    assert.equal(
      missing.message,
      'Widget.test.zajoni.io "empty" is invalid: spec.size: Required value',
    );
  });

  it('evaluates CEL rules, with oldSelf only on updates', async () => {
    const crossField = await rejection(create(widget('cel', { size: 'large', replicas: 5 })));
    assert.deepEqual(crossField.details?.causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": replicas cannot exceed maxReplicas',
        field: 'spec',
      },
    ]);
    await create(widget('owned', { size: 'large', owner: 'alice' }));
    const changed = await rejection(
      custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: 'default',
          plural: PLURAL,
          name: 'owned',
          body: { spec: { owner: 'bob' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    assert.equal(
      changed.details?.causes?.[0]?.message,
      'Invalid value: "string": owner is immutable',
    );
    assert.equal(changed.details?.causes?.[0]?.field, 'spec.owner');
  });

  it('keeps status on its subresource and bumps generation on spec changes only', async () => {
    const created = await create({
      ...widget('gen', { size: 'small' }),
      status: { phase: 'Ignored' },
    });
    assert.equal(created.status, undefined);
    assert.equal(created.metadata.generation, 1);
    const withStatus = (await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: 'default',
        plural: PLURAL,
        name: 'gen',
        body: { status: { phase: 'Ready' }, spec: { size: 'large' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Widget;
    assert.deepEqual(
      [withStatus.status?.['phase'], withStatus.spec['size'], withStatus.metadata.generation],
      ['Ready', 'small', 1],
    );
    const noVersion = await rejection(
      custom.replaceNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'default',
        plural: PLURAL,
        name: 'gen',
        body: { ...widget('gen', { size: 'large' }) },
      }),
    );
    assert.equal(noVersion.code, 422);
    const replaced = (await custom.replaceNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'default',
      plural: PLURAL,
      name: 'gen',
      body: {
        ...withStatus,
        spec: { ...withStatus.spec, size: 'large' },
        status: { phase: 'Lost' },
      },
    })) as Widget;
    assert.deepEqual(
      [replaced.status?.['phase'], replaced.spec['size'], replaced.metadata.generation],
      ['Ready', 'large', 2],
    );
  });

  it('server-side applies spec and status by one manager, and a repeat changes nothing', async () => {
    const url = `${api.url}/apis/${GROUP}/${VERSION}/namespaces/default/${PLURAL}/ssa`;
    const apply = async (path: string, body: object) => {
      const response = await fetch(`${url}${path}?fieldManager=operator`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify({
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Widget',
          metadata: { name: 'ssa' },
          ...body,
        }),
      });
      assert.ok(response.ok, await response.clone().text());
      return (await response.json()) as Widget & {
        metadata: { managedFields?: { subresource?: string }[] };
      };
    };
    const round = async () => {
      await apply('', { spec: { size: 'small', label: 'one' } });
      return apply('/status', { status: { phase: 'Ready' } });
    };
    const first = await round();
    const second = await round();
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.deepEqual(
      second.metadata.managedFields?.map((f) => f.subresource ?? ''),
      ['', 'status'],
    );
    const dropped = await apply('', { spec: { size: 'small' } });
    assert.equal(dropped.spec['label'], undefined);
    assert.equal(dropped.status?.['phase'], 'Ready');
  });

  it('rejects unknown fields with fieldValidation=Strict and warns by default', async () => {
    const url = `${api.url}/apis/${GROUP}/${VERSION}/namespaces/default/${PLURAL}`;
    const post = (query: string, name: string) =>
      fetch(`${url}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(widget(name, { size: 'small', colour: 'red' })),
      });
    const strict = await post('?fieldValidation=Strict', 'strict');
    assert.equal(strict.status, 400);
    const status = (await strict.json()) as { message: string; reason: string };
    assert.equal(status.message, 'strict decoding error: unknown field "spec.colour"');
    const warned = await post('', 'warned');
    assert.equal(warned.status, 201);
    assert.equal(warned.headers.get('warning'), '299 - "unknown field \\"spec.colour\\""');
  });

  it('returns a meta.k8s.io Table built from the printer columns', async () => {
    await create(widget('tabled', { size: 'large' }));
    api.store.patch(
      { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', namespace: 'default', name: 'tabled' },
      { status: { phase: 'Ready' } },
    );
    const response = await fetch(
      `${api.url}/apis/${GROUP}/${VERSION}/namespaces/default/${PLURAL}/tabled`,
      {
        headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
      },
    );
    const table = (await response.json()) as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    };
    assert.equal(table.kind, 'Table');
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', 'Size', 'Phase', 'Age'],
    );
    assert.deepEqual(table.rows[0]?.cells.slice(0, 3), ['tabled', 'large', 'Ready']);
    assert.match(String(table.rows[0]?.cells[3]), /^\d+s$/);
  });

  it('deletes the objects of a deleted CRD and stops serving it', async () => {
    const before = api.store.list(`${GROUP}/${VERSION}`, 'Widget');
    assert.ok(before.length > 0);
    await crds.deleteCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
    await api.settle();
    const gone = await rejection(crds.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` }));
    assert.equal(gone.code, 404);
    const discovery = await fetch(`${api.url}/apis/${GROUP}/${VERSION}`);
    assert.equal(discovery.status, 404);
    // Recreated, the CRD starts empty: its old objects were deleted, not hidden.
    await crds.createCustomResourceDefinition({ body: WIDGET_CRD });
    await api.settle();
    assert.deepEqual(api.store.list(`${GROUP}/${VERSION}`, 'Widget'), []);
    assert.deepEqual(api.controllerErrors, []);
  });
});

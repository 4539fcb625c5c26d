import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1Secret,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/types.ts';
import { KubeRequestError } from '../errors.ts';

/** An object to apply: apiVersion, kind, metadata.name (and namespace) and the owned fields. */
export interface ApplyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

/** The writes and reads the controllers make; the only place that speaks to the API server. */
export interface KubeClient {
  /** Server-side apply as `fieldManager`, forcing ownership of the fields sent. */
  apply(object: ApplyObject): Promise<void>;
  /** Server-side apply of the status subresource of a cluster-scoped custom resource. */
  applyStatus(plural: string, kind: string, name: string, status: object): Promise<void>;
  /**
   * Replaces metadata.finalizers of a cluster-scoped custom resource, only if it is still at
   * `resourceVersion` (a 409 otherwise).
   */
  setFinalizers(
    plural: string,
    name: string,
    finalizers: string[],
    resourceVersion: string,
  ): Promise<void>;
  /**
   * Deletes an object with foreground propagation: it stays, marked deleting, until its
   * dependents (a Deployment's ReplicaSets and Pods) are gone. Absent already is no failure.
   */
  deleteForeground(object: ApplyObject): Promise<void>;
  /** A Secret, or undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  createEvent(event: CoreV1Event): Promise<void>;
}

export function createKubeClient(kc: KubeConfig, fieldManager: string): KubeClient {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const applyOptions = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const mergeOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  return {
    async apply(object) {
      const what = `${object.kind} ${describe(object.metadata)}`;
      await call(`cannot apply ${what}`, () =>
        objects.patch(
          object,
          undefined,
          undefined,
          fieldManager,
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
    },

    async applyStatus(plural, kind, name, status) {
      const body = { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, status };
      await call(`cannot write status of ${kind} ${name}`, () =>
        custom.patchClusterCustomObjectStatus(
          { group: GROUP, version: VERSION, plural, name, body, fieldManager, force: true },
          applyOptions,
        ),
      );
    },

    async setFinalizers(plural, name, finalizers, resourceVersion) {
      const body = { metadata: { finalizers, resourceVersion } };
      await call(`cannot set finalizers of ${plural}/${name}`, () =>
        custom.patchClusterCustomObject(
          { group: GROUP, version: VERSION, plural, name, body },
          mergeOptions,
        ),
      );
    },

    async deleteForeground(object) {
      const what = `${object.kind} ${describe(object.metadata)}`;
      try {
        await objects.delete(object, undefined, undefined, undefined, undefined, 'Foreground');
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw wrap(`cannot delete ${what}`, error);
      }
    },

    async readSecret(namespace, name) {
      try {
        return await core.readNamespacedSecret({ namespace, name });
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw wrap(`cannot read Secret ${namespace}/${name}`, error);
      }
    },

    async createEvent(event) {
      const namespace = event.metadata.namespace ?? 'default';
      await call('cannot record event', () =>
        core.createNamespacedEvent({ namespace, body: event }),
      );
    },
  };
}

async function call(what: string, request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (error) {
    throw wrap(what, error);
  }
}

function wrap(what: string, error: unknown): KubeRequestError {
  const status = statusOf(error);
  const reason = serverMessage(error);
  const message = reason ? `${what}: ${reason}` : what;
  return new KubeRequestError(message, status, { cause: error });
}

/** The HTTP status of a failed client-node request, if it got that far. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? (error.code as number) : undefined;
}

/** The API server's own explanation (the Status object's message), if there is one. */
function serverMessage(error: unknown): string | undefined {
  if (!(error instanceof ApiException)) return error instanceof Error ? error.message : undefined;
  const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
  if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') {
    return body.message;
  }
  return `HTTP ${String(error.code)}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describe(metadata: { name: string; namespace?: string }): string {
  return metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
}

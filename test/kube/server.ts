import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainAdmissions, type Admission } from './admission.ts';
import { admitBuiltins } from './builtin-admission.ts';
import { startControllers } from './controllers.ts';
import { admitCustomResources } from './custom-validation.ts';
import { KubeApiError, notFound, StatusReason } from './errors.ts';
import { createFixtureStore, type FixtureStore } from './fixture-store.ts';
import { createHttpHandler } from './http-handler.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { createObjectService } from './object-service.ts';
import { createRegistry } from './registry.ts';
import { isWrite, type RequestRecord } from './request-log.ts';
import { createObjectStore } from './store.ts';
import { createWatchHub } from './watch.ts';

/** Options of `startKubeApiServer`; all optional. */
export interface KubeApiServerOptions {
  /** Interval between BOOKMARK events on watches with `allowWatchBookmarks`. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Change events kept for watches to resume from. Default 1000. */
  historySize?: number;
  /** Namespaces that exist at start. Default: default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
}

/** A running fixture API server. */
export interface KubeApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** A kubeconfig for `url` in a temp dir (removed by `close`), current context selected. */
  readonly kubeconfigPath: string;
  /** Every request served, in arrival order (watches are logged when they open). */
  readonly requests: RequestRecord[];
  /** The logged requests that change state: create, update, patch, delete, deletecollection. */
  writes(): RequestRecord[];
  /** Empties the request log, e.g. after a test's setup. */
  clearRequests(): void;
  /** Direct object access that bypasses HTTP and validation. */
  readonly store: FixtureStore;
  /** Resolves once the in-process controllers (GC, namespaces, CRDs) have nothing left to do. */
  settle(): Promise<void>;
  /** Errors the in-process controllers threw; empty in a healthy run. */
  readonly controllerErrors: Error[];
  /** Number of watch connections open now. */
  openWatches(): number;
  /** Ends every open watch with an ERROR event carrying 410 Gone; older versions become "too old". */
  expireWatches(): void;
  /** Destroys every open watch connection abruptly. */
  dropWatches(): void;
  /** Keeps every open watch connection open but sends nothing more on it. */
  silenceWatches(): void;
  close(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Starts the fixture on 127.0.0.1 with a random port. */
export async function startKubeApiServer(
  options: KubeApiServerOptions = {},
): Promise<KubeApiServer> {
  const store = createObjectStore({ historySize: options.historySize ?? 1000 });
  const registry = createRegistry();
  const admission: Admission = chainAdmissions([admitBuiltins, admitCustomResources]);
  const checkNamespace = (namespace: string): void => {
    const found = store.get('/namespaces', '', namespace);
    if (!found) throw notFound({ group: '', plural: 'namespaces', name: namespace });
    if (found.metadata.deletionTimestamp) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
      throw new KubeApiError(403, StatusReason.Forbidden, message);
    }
  };
  const objects = createObjectService({ store, admission, checkNamespace });
  const namespaceType = registry.find('', 'v1', 'namespaces')!;
  for (const name of options.namespaces ?? DEFAULT_NAMESPACES) {
    objects.create(
      namespaceType,
      '',
      { metadata: { name } },
      { manager: 'kube-apiserver', version: 'v1' },
    );
  }
  const controllers = startControllers({ store, registry, objects });
  const watches = createWatchHub({ store, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000 });
  const requests: RequestRecord[] = [];
  let address = '';
  const handler = createHttpHandler({
    store,
    objects,
    watches,
    registry,
    requests,
    serverAddress: () => address,
  });
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `http://${address}`;
  const dir = await mkdtemp(join(tmpdir(), 'zajoni-kube-'));
  const kubeconfigPath = await writeKubeconfig(dir, url);

  return {
    url,
    kubeconfigPath,
    requests,
    writes: () => requests.filter(isWrite),
    clearRequests: () => void requests.splice(0),
    store: createFixtureStore(store, registry),
    settle: () => controllers.settle(),
    controllerErrors: controllers.errors,
    openWatches: () => watches.openCount(),
    expireWatches: () => watches.expire(),
    dropWatches: () => watches.drop(),
    silenceWatches: () => watches.silence(),
    async close() {
      controllers.stop();
      watches.drop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

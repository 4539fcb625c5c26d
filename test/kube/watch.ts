import type { IncomingMessage, ServerResponse } from 'node:http';
import { resourceVersionTooOld } from './errors.ts';
import { apiVersionOf, typeKey, type ResourceType } from './resource-type.ts';
import type { Selector } from './selectors.ts';
import type { ObjectStore, StoreEvent } from './store.ts';
import type { JsonObject, KubeObject } from './types.ts';

/** What a watch request asks for. */
export interface WatchRequest {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  selector: Selector;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  timeoutSeconds: number | undefined;
  /** Shapes each object sent (e.g. into a Table row); identity by default. */
  render: (object: KubeObject) => JsonObject;
}

/** The open watches, and the faults tests inject into them. */
export interface WatchHub {
  /** Serves a watch on `res` until it times out, the client leaves or a fault ends it. */
  serve(req: IncomingMessage, res: ServerResponse, request: WatchRequest): void;
  /** Number of watch connections currently open. */
  openCount(): number;
  /** Sends an ERROR event with a 410 Status on every open watch, then ends it. */
  expire(): void;
  /** Destroys every open watch connection without a word. */
  drop(): void;
  /** Every open watch stays open but receives nothing more (no events, no bookmarks). */
  silence(): void;
}

interface OpenWatch {
  res: ServerResponse;
  silent: boolean;
  end: () => void;
}

/** Options of the watch hub. */
export interface WatchHubOptions {
  store: ObjectStore;
  /** Interval between BOOKMARK events on watches that allow them, in ms. */
  bookmarkIntervalMs: number;
}

function translate(event: StoreEvent, selector: Selector): StoreEvent['type'] | undefined {
  const now = event.type !== 'DELETED' && selector(event.object);
  const before = event.previous !== undefined && selector(event.previous);
  if (event.type === 'DELETED') return before || selector(event.object) ? 'DELETED' : undefined;
  if (now && before) return 'MODIFIED';
  if (now) return 'ADDED';
  // The object stopped matching the selector: to this watcher it is gone.
  return before ? 'DELETED' : undefined;
}

/** Tracks open watches; each gets history replay, live events, bookmarks and a timeout. */
export function createWatchHub(options: WatchHubOptions): WatchHub {
  const { store } = options;
  const open = new Set<OpenWatch>();

  const serve: WatchHub['serve'] = (req, res, request) => {
    const { type, namespace } = request;
    const key = typeKey(type);
    const apiVersion = apiVersionOf(type.group, request.version);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const watch: OpenWatch = { res, silent: false, end: () => undefined };
    const send = (eventType: string, object: JsonObject): void => {
      if (!watch.silent && !res.writableEnded) {
        res.write(`${JSON.stringify({ type: eventType, object })}\n`);
      }
    };
    const sendObject = (eventType: string, object: KubeObject): void =>
      send(eventType, request.render({ ...object, apiVersion, kind: type.kind }));
    const inScope = (event: StoreEvent): boolean =>
      event.typeKey === key &&
      (namespace === undefined || event.object.metadata.namespace === namespace);
    const deliver = (event: StoreEvent): void => {
      if (!inScope(event)) return;
      const kind = translate(event, request.selector);
      if (kind) sendObject(kind, event.object);
    };

    const since = request.resourceVersion;
    if (since === undefined || since === '' || since === '0') {
      // Unset or "0": synthetic ADDED events for the current state, then live changes.
      const items = store.list(key, namespace).filter(request.selector);
      for (const item of items) sendObject('ADDED', item);
    } else {
      const events = store.eventsSince(Number(since));
      if (!events) {
        // The real watch cache answers 200 and then an ERROR event carrying 410 Gone.
        send('ERROR', resourceVersionTooOld(since, store.oldestResourceVersion()).toStatus());
        res.end();
        return;
      }
      for (const event of events) deliver(event);
    }

    const unsubscribe = store.subscribe(deliver);
    const bookmarks = request.allowBookmarks
      ? setInterval(() => {
          const metadata = { resourceVersion: String(store.currentResourceVersion()) };
          send('BOOKMARK', { kind: type.kind, apiVersion, metadata });
        }, options.bookmarkIntervalMs)
      : undefined;
    const timeout =
      request.timeoutSeconds !== undefined
        ? setTimeout(() => watch.end(), request.timeoutSeconds * 1000)
        : undefined;
    watch.end = () => {
      unsubscribe();
      clearInterval(bookmarks);
      clearTimeout(timeout);
      open.delete(watch);
      if (!res.writableEnded) res.end();
    };
    open.add(watch);
    req.on('close', watch.end);
    res.on('close', watch.end);
  };

  return {
    serve,
    openCount: () => open.size,
    expire() {
      // LIMITATION: the whole history goes, not just its old end: every resourceVersion a
      // client holds becomes too old at once, the harshest case of a real compaction.
      store.compact();
      for (const watch of [...open]) {
        const status = resourceVersionTooOld('0', store.oldestResourceVersion()).toStatus();
        if (!watch.res.writableEnded) {
          watch.res.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
        }
        watch.end();
      }
    },
    drop() {
      for (const watch of [...open]) {
        watch.res.socket?.destroy();
        watch.end();
      }
    },
    silence() {
      for (const watch of open) watch.silent = true;
    },
  };
}

import type { Logger } from '#shared';

/** Most idle connections kept per server address, port and TLS requirement. */
export const DEFAULT_POOL_MAX_IDLE_PER_SERVER = 2;
/** Most messages sent over one connection before it is closed (Postfix has no limit). */
export const DEFAULT_POOL_MAX_MESSAGES = 20;
/** How long an idle connection is kept, in ms (Postfix's smtp_connection_cache_time_limit: 2 s). */
export const DEFAULT_POOL_IDLE_TIMEOUT_MS = 5_000;

/** A live SMTP connection, set up and between transactions, that another message may use. */
export interface Reusable {
  /** Identifies what may share it: address, port, MX name, TLS requirement, EHLO name. */
  readonly key: string;
  /** Sequence number within the pool, for transcripts and logs. */
  readonly id: number;
  /** Transactions completed on it. */
  readonly messages: number;
  /** Whether the server or the network has closed it. */
  readonly closed: boolean;
  /** Stops recording into the last session; the connection waits for the next one. */
  park(): void;
  /** Sends QUIT and closes. */
  retire(): Promise<void>;
}

export interface ConnectionPoolOptions {
  maxIdlePerServer?: number;
  maxMessages?: number;
  idleTimeoutMs?: number;
  log: Logger;
}

/**
 * Idle SMTP connections to recipients' servers, so that several messages to one server share a
 * connection (RFC 5321 section 3.3: RSET, then the next MAIL). Only connections whose last
 * transaction ended with every command answered are offered; the session decides that.
 */
export interface ConnectionPool {
  /** A number for the next connection opened. */
  nextId(): number;
  /** An idle connection for `key`, taken out of the pool, or null. */
  take(key: string): Reusable | null;
  /** Keeps a connection for later; false when it must be closed now (limits, or closed). */
  keep(connection: Reusable): boolean;
  /** Forgets a connection that closed while idle. */
  forget(connection: Reusable): void;
  /** Closes every idle connection (QUIT); for shutdown. */
  close(): Promise<void>;
}

export function createConnectionPool(options: ConnectionPoolOptions): ConnectionPool {
  const maxIdle = options.maxIdlePerServer ?? DEFAULT_POOL_MAX_IDLE_PER_SERVER;
  const maxMessages = options.maxMessages ?? DEFAULT_POOL_MAX_MESSAGES;
  const idleMs = options.idleTimeoutMs ?? DEFAULT_POOL_IDLE_TIMEOUT_MS;
  const idle = new Map<string, { connection: Reusable; timer: NodeJS.Timeout }[]>();
  let ids = 0;

  const remove = (connection: Reusable) => {
    const list = idle.get(connection.key) ?? [];
    const index = list.findIndex((e) => e.connection === connection);
    if (index === -1) return null;
    const [entry] = list.splice(index, 1);
    if (list.length === 0) idle.delete(connection.key);
    clearTimeout(entry?.timer);
    return entry ?? null;
  };

  return {
    nextId: () => ++ids,
    take(key) {
      for (const entry of [...(idle.get(key) ?? [])].reverse()) {
        remove(entry.connection);
        if (!entry.connection.closed) return entry.connection;
      }
      return null;
    },
    keep(connection) {
      const list = idle.get(connection.key) ?? [];
      const full = list.length >= maxIdle || connection.messages >= maxMessages;
      if (connection.closed || full) return false;
      connection.park();
      const timer = setTimeout(() => {
        if (remove(connection)) void connection.retire();
      }, idleMs);
      timer.unref();
      idle.set(connection.key, [...list, { connection, timer }]);
      options.log.debug({ key: connection.key, id: connection.id }, 'connection kept for reuse');
      return true;
    },
    forget: (connection) => void remove(connection),
    async close() {
      const all = [...idle.values()].flat();
      for (const { connection } of all) remove(connection);
      await Promise.all(all.map(({ connection }) => connection.retire()));
    },
  };
}

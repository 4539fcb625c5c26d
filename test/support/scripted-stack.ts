import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Pool, type QueryResultRow } from 'pg';
import { QUEUE_STREAM } from '#shared';
import {
  startScriptedMx,
  type MxScript,
  type ScriptedMx,
} from '../../relay/src/delivery/testing/scripted-mx.ts';
import { startDns, type DnsInstance } from '../../scripts/stack/dns.ts';
import { startNats, type NatsInstance } from '../../scripts/stack/nats.ts';
import { startPostgres, type PostgresInstance } from '../../scripts/stack/postgres.ts';
import { freePort, waitFor } from '../../scripts/stack/process.ts';
import {
  createAccount,
  startApiProcess,
  startRelayProcess,
  type ApiProcess,
  type RelayProcess,
  type RelaySettings,
} from '../../scripts/stack/zajoni.ts';

/** The account and domains every scripted stack uses; `.test` is reserved (RFC 2606). */
export const ACCOUNT = { address: 'alice@sender.test', password: 'correct horse battery' };
export const TENANT = 'acme';
/** Domains whose MX is the scripted server; receipts to alice@sender.test land there too. */
export const MX_DOMAINS = ['recipient.test', 'sender.test', 'xn--bcher-kva.test'] as const;

/**
 * A relay process on real NATS, PostgreSQL, API and DNS, delivering to a scripted MX in the test
 * process, so a test sees exact bytes at both ends: what it wrote to the submission port and what
 * reached the recipient's server.
 */
export interface ScriptedStack {
  readonly dir: string;
  nats: NatsInstance;
  postgres: PostgresInstance;
  readonly dns: DnsInstance;
  api: ApiProcess;
  readonly mx: ScriptedMx;
  relay: RelayProcess;
  /** Starts NATS again on the same port and store, after `nats.stop()` or `nats.kill()`. */
  startNats(): Promise<void>;
  /** Stops the API and PostgreSQL (fast shutdown). */
  stopDatabase(): Promise<void>;
  /** Starts PostgreSQL on the same port and data, then the API. */
  startDatabase(): Promise<void>;
  /** Starts another relay process with the same settings, logging to its own file. */
  startRelay(): Promise<RelayProcess>;
  /** Entries waiting in the queue stream (JetStream's own count). */
  queuedCount(): Promise<number>;
  /** Runs a query on the API's database. */
  query<T extends QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  /** The relay's log so far, every process started under this stack. */
  relayLog(): Promise<string>;
  stop(): Promise<void>;
}

export async function startScriptedStack(options: {
  script: MxScript;
  relayEnv?: Record<string, string>;
}): Promise<ScriptedStack> {
  const dir = await mkdtemp(join(tmpdir(), 'zajoni-scripted-'));
  await chmod(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const nats = await startNats({ dir: join(dir, 'nats') });
    stops.push(() => nats.stop());
    const postgres = await startPostgres({ dir: join(dir, 'postgres') });
    stops.push(() => postgres.stop());
    const mx = await startScriptedMx(options.script);
    stops.push(() => mx.close());
    const dns = await startDns({
      dir: join(dir, 'dns'),
      zones: MX_DOMAINS.map((domain) => ({
        domain,
        mx: [{ host: `mx.${domain}`, preference: 10 }],
        hosts: [{ name: `mx.${domain}`, addresses: ['127.0.0.1'] }],
      })),
    });
    stops.push(() => dns.stop());
    const api = await startApiProcess({ dir, databaseUrl: postgres.url, natsUrl: nats.url });
    stops.push(() => api.process.stop());
    await createAccount(postgres.url, TENANT, ACCOUNT.address, ACCOUNT.password);
    const settings: RelaySettings = {
      tenant: TENANT,
      natsUrl: nats.url,
      hostName: 'relay.zajoni.test',
      dnsServer: dns.server,
      deliveryPort: mx.port,
      submissionPort: await freePort(),
      submissionsPort: await freePort(),
      extraEnv: { LOG_LEVEL: 'debug', ...options.relayEnv },
    };
    const relay = await startRelayProcess(dir, settings);
    const db = new Pool({ connectionString: postgres.url, max: 2 });
    // Fault tests stop PostgreSQL under it: idle clients fail, and are replaced on next use.
    db.on('error', () => undefined);
    stops.push(() => db.end());
    const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1 });
    stops.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    let relays = 0;
    const stack: ScriptedStack = {
      dir,
      nats,
      postgres,
      dns,
      api,
      mx,
      relay,
      async queuedCount() {
        return (await jsm.streams.info(QUEUE_STREAM)).state.messages;
      },
      async query<T extends QueryResultRow>(sql: string, values: unknown[] = []) {
        return (await db.query<T>(sql, values)).rows;
      },
      async relayLog() {
        const names = (await readdir(dir)).filter((n) => /^relay(-\d+)?\.log$/.test(n)).sort();
        const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
        return texts.join('\n');
      },
      async startNats() {
        stack.nats = await startNats({ dir: join(dir, 'nats'), port: nats.port });
      },
      async stopDatabase() {
        await stack.api.process.stop();
        await stack.postgres.stop();
      },
      async startDatabase() {
        stack.postgres = await startPostgres({ dir: join(dir, 'postgres'), port: postgres.port });
        stack.api = await startApiProcess({
          dir,
          databaseUrl: postgres.url,
          natsUrl: nats.url,
          port: Number(new URL(api.url).port),
        });
      },
      async startRelay() {
        relays += 1;
        stack.relay = await startRelayProcess(dir, settings, `relay-${relays}.log`);
        return stack.relay;
      },
      stop,
    };
    stops.push(() => stack.nats.stop());
    stops.push(() => stack.postgres.stop());
    stops.push(() => stack.api.process.stop());
    stops.push(() => stack.relay.process.stop());
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Messages the scripted MX received for `recipient` (in their own transaction's RCPT TO), in
 * arrival order; a connection may carry several messages.
 */
export function messagesFor(mx: ScriptedMx, recipient: string): Buffer[] {
  const rcpt = `rcpt to:<${recipient.toLowerCase()}>`;
  return mx.connections.flatMap((c) =>
    c.messages.filter((_m, i) => c.envelopes[i]?.some((line) => line.toLowerCase() === rcpt)),
  );
}

/** Polls until the scripted MX holds `count` messages for `recipient`. */
export async function waitForMessages(
  mx: ScriptedMx,
  recipient: string,
  count = 1,
): Promise<Buffer[]> {
  await waitFor(
    `${count} message(s) for ${recipient} at the scripted MX`,
    () => messagesFor(mx, recipient).length >= count,
    30_000,
  );
  return messagesFor(mx, recipient);
}

/** Polls the API's database until `queueId` has a stored attempt; returns its record rows. */
export async function waitForAttempts(
  stack: ScriptedStack,
  queueId: string,
): Promise<{ record: Record<string, unknown>; outcome: string }[]> {
  let rows: { record: Record<string, unknown>; outcome: string }[] = [];
  await waitFor(
    `a stored attempt of ${queueId}`,
    async () => {
      rows = await stack.query('SELECT record, outcome FROM attempts WHERE queue_id = $1', [
        queueId,
      ]);
      return rows.length > 0;
    },
    30_000,
  );
  return rows;
}

/** Queue ids the relay logged as queued, from its JSON log lines. */
export function queuedIds(log: string): string[] {
  const ids: string[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; queueId?: string };
    if (entry.msg === 'message queued' && entry.queueId) ids.push(entry.queueId);
  }
  return ids;
}

import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import {
  freePort,
  startDns,
  startNats,
  startPostfix,
  startPostgres,
  type DnsInstance,
  type NatsInstance,
  type PostfixInstance,
  type PostgresInstance,
} from '../scripts/stack/index.ts';
import {
  createAccount,
  startApiProcess,
  startRelayProcess,
  type ApiProcess,
  type RelayProcess,
} from '../scripts/stack/zajoni.ts';

/** Names shared by both systems; `.test` is reserved for testing (RFC 2606). */
export const BENCH = {
  tenant: 'demo',
  relayHost: 'relay.zajoni.test',
  senderDomain: 'sender.test',
  recipientDomain: 'recipient.test',
  password: 'zajoni-bench-password',
} as const;

/** The sender address of benchmark account `i`. */
export const benchUser = (i: number) => `bench-${i}@${BENCH.senderDomain}`;

/**
 * Settings that differ from the relay's production defaults, and why. Delivery concurrency 20
 * matches Postfix's default_destination_concurrency_limit; AUTH without TLS keeps both systems
 * on the same cleartext transport; a 30 s AUTH timeout turns a backlog of argon2 checks into a
 * measured delay instead of refusals.
 */
export const RELAY_BENCH_ENV = {
  RELAY_ALLOW_INSECURE_AUTH: 'true',
  AUTH_TIMEOUT_MS: '30000',
  DAILY_LIMIT: '100000000',
  DELIVERY_CONCURRENCY: '20',
} as const;

/** A system under test: where to submit, and which processes are its own. */
export interface SystemUnderTest {
  readonly name: 'zajoni' | 'postfix';
  readonly port: number;
  /** Process trees of the relay itself (Zajoni: relay and API; Postfix: the master's tree). */
  readonly roots: readonly number[];
  /** Services it needs that are not the relay (Zajoni: NATS and PostgreSQL). */
  readonly infraRoots: readonly number[];
  stop(): Promise<void>;
}

export interface ZajoniSystem extends SystemUnderTest {
  readonly name: 'zajoni';
  readonly nats: NatsInstance;
  readonly postgres: PostgresInstance;
  readonly db: pg.Pool;
  api: ApiProcess;
  readonly relay: RelayProcess;
  readonly dir: string;
  /** Stops the API process (for the ingest benchmark) and starts it again. */
  restartApi(before?: () => Promise<void>): Promise<{ spawnedAt: number }>;
}

/** Stores a DNS instance so both systems can find the sink by MX record. */
export async function startBenchDns(dir: string): Promise<DnsInstance> {
  return startDns({
    dir: join(dir, 'dns'),
    zones: [BENCH.recipientDomain, BENCH.senderDomain].map((domain) => ({
      domain,
      mx: [{ host: `mx.${domain}`, preference: 10 }],
      hosts: [{ name: `mx.${domain}`, addresses: ['127.0.0.1'] }],
    })),
  });
}

/**
 * Zajoni on private NATS and PostgreSQL: the API, one relay delivering to `sinkPort` through the
 * MX records of `dns`, and `accounts` users (bench-0 … bench-N) sharing one password.
 */
export async function startZajoni(options: {
  dir: string;
  dns: DnsInstance;
  sinkPort: number;
  accounts: number;
}): Promise<ZajoniSystem> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    return await startZajoniSteps(options, cleanups);
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function startZajoniSteps(
  options: { dir: string; dns: DnsInstance; sinkPort: number; accounts: number },
  cleanups: (() => Promise<void>)[],
): Promise<ZajoniSystem> {
  const { dir } = options;
  const nats = await startNats({ dir: join(dir, 'nats') });
  cleanups.push(() => nats.stop());
  const postgres = await startPostgres({ dir: join(dir, 'postgres') });
  cleanups.push(() => postgres.stop());
  const apiOptions = { dir, databaseUrl: postgres.url, natsUrl: nats.url };
  let api = await startApiProcess(apiOptions);
  cleanups.push(() => api.process.stop());
  await createAccount(postgres.url, BENCH.tenant, benchUser(0), BENCH.password);
  const db = new pg.Pool({ connectionString: postgres.url, max: 4 });
  // An idle client loses its server when PostgreSQL stops first; pg replaces it on checkout.
  db.on('error', () => undefined);
  cleanups.push(() => db.end());
  // Hashing is argon2id in the admin CLI, a second each: the others copy bench-0's hash.
  await db.query(
    `INSERT INTO users (id, tenant_id, address, password_hash)
     SELECT 'bench-user-' || i, tenant_id, 'bench-' || i || '@${BENCH.senderDomain}', password_hash
       FROM users, generate_series(1, $1::int - 1) AS i WHERE address = $2
     ON CONFLICT DO NOTHING`,
    [options.accounts, benchUser(0)],
  );
  const relay = await startRelayProcess(dir, {
    tenant: BENCH.tenant,
    natsUrl: nats.url,
    hostName: BENCH.relayHost,
    dnsServer: options.dns.server,
    deliveryPort: options.sinkPort,
    submissionPort: await freePort(),
    submissionsPort: await freePort(),
    extraEnv: { ...RELAY_BENCH_ENV },
  });
  const infraRoots = [
    ...pidsByCommandLine(nats.storeDir),
    ...pidsByCommandLine(join(dir, 'postgres', 'pgdata')),
  ];
  const system: ZajoniSystem = {
    name: 'zajoni',
    port: relay.settings.submissionPort,
    get roots() {
      return [relay.process.child.pid ?? 0, system.api.process.child.pid ?? 0];
    },
    infraRoots,
    nats,
    postgres,
    db,
    api,
    relay,
    dir,
    async restartApi(before) {
      await system.api.process.stop();
      await before?.();
      const spawnedAt = Date.now();
      api = await startApiProcess(apiOptions);
      system.api = api;
      return { spawnedAt };
    },
    async stop() {
      await relay.process.stop();
      await system.api.process.stop();
      await db.end();
      await postgres.stop();
      await nats.stop();
    },
  };
  return system;
}

export interface PostfixSystem extends SystemUnderTest {
  readonly name: 'postfix';
  readonly instance: PostfixInstance;
}

/**
 * Postfix as a relay: accepts from 127.0.0.1 without AUTH, and forwards everything to the sink.
 * Postfix resolves names only through the system's resolver (/etc/resolv.conf, port 53), which
 * cannot name the private dnsmasq's port, so its next hop is `[127.0.0.1]:sinkPort`: no MX
 * look-up, unlike Zajoni.
 */
export async function startPostfixRelay(options: {
  dir: string;
  sinkPort: number;
}): Promise<PostfixSystem> {
  const dir = join(options.dir, 'postfix');
  const instance = await startPostfix({
    dir,
    hostname: 'postfix.bench.test',
    domains: ['postfix.bench.test'],
    relayHost: `[127.0.0.1]:${options.sinkPort}`,
  });
  const master = Number((await readFile(join(dir, 'queue', 'pid', 'master.pid'), 'latin1')).trim());
  return {
    name: 'postfix',
    port: instance.port,
    roots: [master],
    infraRoots: [],
    instance,
    stop: () => instance.stop(),
  };
}

/** Processes whose command line contains `needle` and whose parent's does not: tree roots. */
function pidsByCommandLine(needle: string): number[] {
  const matches = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ');
      if (!cmdline.includes(needle)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      matches.set(Number(name), ppid);
    } catch {
      // exited
    }
  }
  return [...matches].filter(([, ppid]) => !matches.has(ppid)).map(([pid]) => pid);
}

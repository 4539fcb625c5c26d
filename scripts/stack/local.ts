import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startDns, type DnsInstance } from './dns.ts';
import { startNats, type NatsInstance } from './nats.ts';
import { startPostfix, type PostfixInstance } from './postfix.ts';
import { startPostgres, type PostgresInstance } from './postgres.ts';
import { freePort } from './process.ts';
import {
  createAccount,
  startApiProcess,
  startRelayProcess,
  type ApiProcess,
  type RelayProcess,
  type RelaySettings,
} from './zajoni.ts';

/** The names the local stack uses; `.test` is reserved for testing (RFC 2606). */
export const LOCAL = {
  tenant: 'demo',
  relayHost: 'relay.zajoni.test',
  senderDomain: 'sender.test',
  recipientDomain: 'recipient.test',
  sender: { address: 'alice@sender.test', password: 'zajoni-demo-password' },
  recipient: 'bob@recipient.test',
} as const;

export interface LocalStack {
  readonly dir: string;
  readonly nats: NatsInstance;
  readonly postgres: PostgresInstance;
  readonly dns: DnsInstance;
  /** The recipients' mail server; it also hosts the sender's mailbox for receipts. */
  readonly postfix: PostfixInstance;
  readonly api: ApiProcess;
  relay: RelayProcess;
  /** Starts another relay process with the same settings (after a kill, say). */
  restartRelay(): Promise<RelayProcess>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  dir: string;
  submissionPort?: number;
  submissionsPort?: number;
  apiPort?: number;
  /** Extra relay settings, e.g. a short DELIVERY_ACK_WAIT_MS for crash tests. */
  relayEnv?: Record<string, string>;
  /** Extra API settings, e.g. AUTH_FAILURE_WINDOW_SECONDS for the lockout tests. */
  apiEnv?: Record<string, string>;
}

/**
 * Everything the main job needs, on loopback under `dir`: NATS, PostgreSQL, a DNS server with MX
 * records, Postfix as the recipients' server, the API, one relay, and a user account.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { dir } = options;
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const nats = await startNats({ dir: join(dir, 'nats') });
    stops.push(() => nats.stop());
    const postgres = await startPostgres({ dir: join(dir, 'postgres') });
    stops.push(() => postgres.stop());
    const postfix = await startPostfix({
      dir: join(dir, 'postfix'),
      hostname: `mx.${LOCAL.recipientDomain}`,
      domains: [LOCAL.recipientDomain, LOCAL.senderDomain],
    });
    stops.push(() => postfix.stop());
    const dns = await startDns({
      dir: join(dir, 'dns'),
      zones: [LOCAL.recipientDomain, LOCAL.senderDomain].map((domain) => ({
        domain,
        mx: [{ host: `mx.${domain}`, preference: 10 }],
        hosts: [{ name: `mx.${domain}`, addresses: ['127.0.0.1'] }],
      })),
    });
    stops.push(() => dns.stop());

    const submissionPort = options.submissionPort ?? (await freePort());
    const submissionsPort = options.submissionsPort ?? (await freePort());
    // The console's setup guide shows the relay's address and ports, and signs up to the tenant.
    const consoleEnv = {
      CONSOLE_TENANT: LOCAL.tenant,
      SMTP_HOST: '127.0.0.1',
      SMTP_STARTTLS_PORT: String(submissionPort),
      SMTP_TLS_PORT: String(submissionsPort),
    };
    const api = await startApiProcess({
      dir,
      databaseUrl: postgres.url,
      natsUrl: nats.url,
      ...(options.apiPort ? { port: options.apiPort } : {}),
      extraEnv: { ...consoleEnv, ...options.apiEnv },
    });
    stops.push(() => api.process.stop());
    const { address, password } = LOCAL.sender;
    await createAccount(postgres.url, LOCAL.tenant, address, password);

    const settings: RelaySettings = {
      tenant: LOCAL.tenant,
      natsUrl: nats.url,
      hostName: LOCAL.relayHost,
      dnsServer: dns.server,
      deliveryPort: postfix.port,
      submissionPort,
      submissionsPort,
      ...(options.relayEnv ? { extraEnv: options.relayEnv } : {}),
    };
    let relays = 0;
    const stack: LocalStack = {
      dir,
      nats,
      postgres,
      dns,
      postfix,
      api,
      relay: await startRelayProcess(dir, settings),
      async restartRelay() {
        relays += 1;
        stack.relay = await startRelayProcess(dir, settings, `relay-${relays}.log`);
        return stack.relay;
      },
      stop,
    };
    stops.push(() => stack.relay.process.stop());
    return stack;
  } catch (error) {
    await stop();
    throw error;
  }
}

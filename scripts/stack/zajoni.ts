import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { canConnect, freePort, startProcess, waitFor, type Managed } from './process.ts';

const run = promisify(execFile);

/** Repository root, for starting the services from their sources. */
export const ROOT = resolve(import.meta.dirname, '..', '..');
/**
 * Services run as the images run them (Dockerfile): Node 24 itself, which strips the types of
 * the sources, with no loader. One process each, so a SIGKILL in a crash test kills the service
 * itself. tsx, as a loader, would cost each service 25-40 MB and its start-up CPU.
 */
const NODE = process.execPath;

/**
 * A service's tracing set-up, loaded before its own modules (as images do, see the README), so
 * the ESM hooks instrument pino, http and pg.
 */
function telemetryImport(service: 'api' | 'relay'): string[] {
  return ['--import', pathToFileURL(join(ROOT, `${service}/src/telemetry/register.ts`)).href];
}

export interface ApiProcess {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly process: Managed;
}

/** Starts the API (`api/src/main.ts`) as its own process and waits for /healthz. */
export async function startApiProcess(options: {
  dir: string;
  databaseUrl: string;
  natsUrl: string;
  port?: number;
  /** Extra API settings, e.g. short failed-attempt windows for tests. */
  extraEnv?: Record<string, string>;
}): Promise<ApiProcess> {
  const port = options.port ?? (await freePort());
  const env = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    NATS_URL: options.natsUrl,
    API_HOST: '127.0.0.1',
    API_PORT: String(port),
    ...options.extraEnv,
  };
  const proc = startProcess(
    NODE,
    [...telemetryImport('api'), join(ROOT, 'api/src/main.ts')],
    join(options.dir, 'api.log'),
    {
      env,
      cwd: ROOT,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'the API to answer /healthz',
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`api exited; see ${proc.logFile}`);
      return (await fetch(`${url}/healthz`)).ok;
    },
    60_000,
  );
  return { url, graphqlUrl: `${url}/graphql`, process: proc };
}

/** Settings a relay process is started with; see relay/src/config.ts for each one. */
export interface RelaySettings {
  tenant: string;
  natsUrl: string;
  hostName: string;
  dnsServer: string;
  deliveryPort: number;
  submissionPort: number;
  submissionsPort: number;
  extraEnv?: Record<string, string>;
}

export interface RelayProcess {
  readonly settings: RelaySettings;
  readonly process: Managed;
}

/** Starts a relay (`relay/src/main.ts`) and waits until its submission port accepts. */
export async function startRelayProcess(
  dir: string,
  settings: RelaySettings,
  logName = 'relay.log',
): Promise<RelayProcess> {
  const env = {
    ...process.env,
    TENANT: settings.tenant,
    NATS_URL: settings.natsUrl,
    RELAY_HOSTNAME: settings.hostName,
    SUBMISSION_HOST: '127.0.0.1',
    SUBMISSION_PORT: String(settings.submissionPort),
    SUBMISSIONS_PORT: String(settings.submissionsPort),
    RELAY_SELF_SIGNED: 'true',
    DELIVERY_PORT: String(settings.deliveryPort),
    // Every peer of a local stack listens on loopback.
    DELIVERY_ALLOW_PRIVATE_ADDRESSES: 'true',
    DNS_SERVERS: settings.dnsServer,
    ...settings.extraEnv,
  };
  const proc = startProcess(
    NODE,
    [...telemetryImport('relay'), join(ROOT, 'relay/src/main.ts')],
    join(dir, logName),
    {
      env,
      cwd: ROOT,
    },
  );
  await waitFor(
    'the relay to accept submissions',
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`relay exited; see ${proc.logFile}`);
      return canConnect(settings.submissionPort);
    },
    60_000,
  );
  return { settings, process: proc };
}

/** Runs the admin CLI (`api/src/cli.ts`) with the given arguments; rejects on a non-zero exit. */
export async function admin(databaseUrl: string, args: string[], stdin?: string): Promise<string> {
  const child = run(NODE, [join(ROOT, 'api/src/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  if (stdin !== undefined) {
    child.child.stdin?.end(stdin);
  }
  const { stdout } = await child;
  return stdout;
}

/** Creates a tenant (unless it exists) and a user with a password. */
export async function createAccount(
  databaseUrl: string,
  tenant: string,
  address: string,
  password: string,
): Promise<void> {
  await admin(databaseUrl, ['tenant', 'create', tenant]).catch((error: unknown) => {
    if (!String((error as { stderr?: string }).stderr).includes('exists')) throw error;
  });
  const args = ['user', 'create', '--tenant', tenant, '--address', address, '--password-stdin'];
  // A restarted `make up` finds its account from the last run.
  await admin(databaseUrl, args, `${password}\n`).catch((error: unknown) => {
    if (!String((error as { stderr?: string }).stderr).includes('already exists')) throw error;
  });
}

/** Posts a GraphQL query with HTTP Basic credentials; returns `data` or throws the errors. */
export async function graphql<T>(
  url: string,
  credentials: { address: string; password: string },
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const auth = Buffer.from(`${credentials.address}:${credentials.password}`).toString('base64');
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  if (!body.data) throw new Error(`GraphQL answered ${response.status} without data`);
  return body.data;
}

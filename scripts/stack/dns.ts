import { NODATA, NOTFOUND, Resolver } from 'node:dns/promises';
import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { freePort, startProcess, waitFor, type Managed } from './process.ts';

/** Exchange of a null MX record (RFC 7505): the domain accepts no mail. */
export const NULL_MX_HOST = '.';

/** Time allowed for dnsmasq to answer its first query, in milliseconds. */
export const DEFAULT_DNS_START_TIMEOUT_MS = 10_000;

/** An MX record. */
export interface MxRecord {
  /** Owner name, at or under the zone's domain. Default: the zone's domain. */
  readonly domain?: string;
  /** Exchange host name, or `NULL_MX_HOST` for a null MX. */
  readonly host: string;
  /** 0-65535, lower is tried first. A null MX must use 0. */
  readonly preference: number;
}

/** A host name with its addresses: IPv4 ones become A records, IPv6 ones AAAA records. */
export interface HostRecord {
  /** At or under the zone's domain, e.g. `mx.recipient.test`. */
  readonly name: string;
  readonly addresses: readonly string[];
}

/** A TXT record with one string, e.g. `_mta-sts.recipient.test` `v=STSv1; id=1`. */
export interface TxtRecord {
  /** At or under the zone's domain. */
  readonly name: string;
  /** Printable ASCII without a comma (dnsmasq splits strings there), up to 255 characters. */
  readonly text: string;
}

/**
 * A domain answered only from its records: any other name at or under it gets NXDOMAIN (and a
 * known name asked for a type it lacks gets NODATA). Names outside every zone get REFUSED.
 */
export interface DnsZone {
  /** e.g. `recipient.test`, or `test` to make every unknown `.test` name NXDOMAIN. */
  readonly domain: string;
  readonly mx?: readonly MxRecord[];
  readonly hosts?: readonly HostRecord[];
  readonly txt?: readonly TxtRecord[];
}

export interface DnsOptions {
  /** Directory for the pid file and logs; created if missing. */
  readonly dir: string;
  /** UDP and TCP port on 127.0.0.1. Default: a free one, retried if dnsmasq finds it taken. */
  readonly port?: number;
  readonly zones: readonly DnsZone[];
}

export interface DnsInstance {
  /** `127.0.0.1:PORT`, as `Resolver.setServers` takes it. */
  readonly server: string;
  readonly port: number;
  /** dnsmasq's log, with one line per query. */
  readonly logFile: string;
  stop(): Promise<void>;
}

/** The zones passed to `startDns` are invalid; `problems` lists every one. */
export class DnsConfigError extends Error {
  override readonly name = 'DnsConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid DNS zones: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** dnsmasq exited during start-up or did not answer in time. */
export class DnsStartError extends Error {
  override readonly name = 'DnsStartError';
}

// dnsmasq's exit status for "network problem", e.g. a port already in use (dnsmasq(8)).
const EXIT_NETWORK_PROBLEM = 2;
const MAX_ATTEMPTS = 5;
const PROBE_TIMEOUT_MS = 250;
const NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/i;

type Launch = { kind: 'started'; proc: Managed } | { kind: 'exited'; code: number | null };

/**
 * Starts a private dnsmasq on 127.0.0.1 serving only the given zones, in the foreground as a
 * child process. It reads no system configuration and forwards nothing.
 */
export async function startDns(options: DnsOptions): Promise<DnsInstance> {
  const problems = validateZones(options.zones);
  if (problems.length > 0) throw new DnsConfigError(problems);
  await mkdir(options.dir, { recursive: true });
  const logFile = join(options.dir, 'dnsmasq.log');
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const launched = await launch(options, port, logFile);
    if (launched.kind === 'started') {
      const unguard = guardExit(launched.proc);
      const stop = async () => {
        await launched.proc.stop();
        unguard();
      };
      return { server: serverOf(port), port, logFile, stop };
    }
    // freePort checks TCP only; dnsmasq also needs the UDP port, which may be taken.
    const retry = options.port === undefined && attempt < MAX_ATTEMPTS;
    if (launched.code === EXIT_NETWORK_PROBLEM && retry) continue;
    const where = join(options.dir, 'dnsmasq.out');
    throw new DnsStartError(`dnsmasq exited with status ${launched.code}, see ${where}`);
  }
}

async function launch(options: DnsOptions, port: number, logFile: string): Promise<Launch> {
  const args = [...serverArgs(options.dir, port, logFile), ...zoneArgs(options.zones)];
  const proc = startProcess(binary(), args, join(options.dir, 'dnsmasq.out'));
  const ended = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
  const probe = probeName(options.zones);
  try {
    await waitFor(
      `dnsmasq on port ${port}`,
      async () => ended() || (await answers(serverOf(port), probe)),
      DEFAULT_DNS_START_TIMEOUT_MS,
    );
  } catch (error) {
    await proc.stop();
    throw new DnsStartError(`cannot start dnsmasq on port ${port}`, { cause: error });
  }
  if (!ended()) return { kind: 'started', proc };
  await proc.stop();
  return { kind: 'exited', code: proc.child.exitCode };
}

const exitGuards = new Set<Managed>();

/**
 * A child outlives this process, so dnsmasq is sent SIGTERM if this process exits without
 * calling stop() (an uncaught error, say). Returns the function that removes the guard.
 *
 * LIMITATION: 'exit' is not emitted when this process dies of a signal; dnsmasq then keeps
 * running until killed by the pid in DIR/dnsmasq.pid.
 */
function guardExit(proc: Managed): () => void {
  if (exitGuards.size === 0) process.once('exit', runExitGuards);
  exitGuards.add(proc);
  return () => {
    exitGuards.delete(proc);
    if (exitGuards.size === 0) process.off('exit', runExitGuards);
  };
}

function runExitGuards(): void {
  // ChildProcess.kill does nothing once the child has exited, so it cannot hit a reused pid.
  for (const proc of exitGuards) proc.child.kill('SIGTERM');
}

function serverArgs(dir: string, port: number, logFile: string): string[] {
  return [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    `--port=${port}`,
    `--pid-file=${join(dir, 'dnsmasq.pid')}`,
    `--log-facility=${logFile}`,
    '--log-queries',
  ];
}

function zoneArgs(zones: readonly DnsZone[]): string[] {
  return zones.flatMap((zone) => [
    `--local=/${zone.domain}/`,
    // dnsmasq writes the exchange `.` as the root name, which is exactly a null MX.
    ...(zone.mx ?? []).map(
      (mx) => `--mx-host=${mx.domain ?? zone.domain},${mx.host},${mx.preference}`,
    ),
    ...(zone.hosts ?? []).map(
      (host) => `--host-record=${[host.name, ...host.addresses].join(',')}`,
    ),
    ...(zone.txt ?? []).map((txt) => `--txt-record=${txt.name},${txt.text}`),
  ]);
}

function probeName(zones: readonly DnsZone[]): string {
  const zone = zones.find((z) => (z.mx ?? []).length > 0) ?? zones[0];
  return zone?.mx?.[0]?.domain ?? zone?.domain ?? '';
}

async function answers(server: string, name: string): Promise<boolean> {
  const resolver = new Resolver({ timeout: PROBE_TIMEOUT_MS, tries: 1 });
  resolver.setServers([server]);
  try {
    await resolver.resolveMx(name);
    return true;
  } catch (error) {
    // NXDOMAIN and NODATA are answers too: the server is up.
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    return code === NOTFOUND || code === NODATA;
  }
}

function validateZones(zones: readonly DnsZone[]): string[] {
  if (zones.length === 0) return ['at least one zone is needed'];
  return zones.flatMap((zone) => {
    if (!NAME.test(zone.domain)) return [`zone ${JSON.stringify(zone.domain)} is not a domain`];
    return [
      ...(zone.mx ?? []).flatMap((mx) => validateMx(zone.domain, mx)),
      ...(zone.hosts ?? []).flatMap((host) => validateHost(zone.domain, host)),
      ...(zone.txt ?? []).flatMap((txt) => validateTxt(zone.domain, txt)),
    ];
  });
}

function validateMx(zone: string, mx: MxRecord): string[] {
  const owner = mx.domain ?? zone;
  const label = `MX ${owner} ${mx.preference} ${mx.host}`;
  const problems = nameProblems(zone, owner, label);
  const isNull = mx.host === NULL_MX_HOST;
  if (!isNull && !NAME.test(mx.host)) problems.push(`${label}: exchange is not a host name`);
  if (!Number.isInteger(mx.preference) || mx.preference < 0 || mx.preference > 65_535) {
    problems.push(`${label}: preference must be an integer from 0 to 65535`);
  }
  // RFC 7505 section 3: a null MX has preference 0.
  if (isNull && mx.preference !== 0) problems.push(`${label}: a null MX needs preference 0`);
  return problems;
}

function validateHost(zone: string, host: HostRecord): string[] {
  const label = `host ${host.name}`;
  const problems = nameProblems(zone, host.name, label);
  if (host.addresses.length === 0) problems.push(`${label}: no addresses`);
  for (const address of host.addresses) {
    if (isIP(address) === 0) problems.push(`${label}: ${address} is not an IP address`);
  }
  return problems;
}

function validateTxt(zone: string, txt: TxtRecord): string[] {
  const label = `TXT ${txt.name}`;
  const problems = nameProblems(zone, txt.name, label);
  if (!/^[\x20-\x7e]{0,255}$/.test(txt.text) || txt.text.includes(',')) {
    problems.push(`${label}: text must be printable ASCII without commas, up to 255 characters`);
  }
  return problems;
}

function nameProblems(zone: string, name: string, label: string): string[] {
  if (!NAME.test(name)) return [`${label}: ${JSON.stringify(name)} is not a domain name`];
  const [lowerName, lowerZone] = [name.toLowerCase(), zone.toLowerCase()];
  const inZone = lowerName === lowerZone || lowerName.endsWith(`.${lowerZone}`);
  return inZone ? [] : [`${label}: ${name} is outside zone ${zone}`];
}

function serverOf(port: number): string {
  return `127.0.0.1:${port}`;
}

function binary(): string {
  return process.env.DNSMASQ_BIN ?? '/usr/sbin/dnsmasq';
}

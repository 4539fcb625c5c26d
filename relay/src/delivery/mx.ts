import { Resolver } from 'node:dns/promises';
import { domainToASCII } from 'node:url';

/** Time one DNS query try may take, in ms; c-ares tries twice per server. */
export const DEFAULT_DNS_TIMEOUT_MS = 5_000;

/** The part of node:dns/promises' Resolver the MX look-up uses; tests pass a fake. */
export interface DnsClient {
  resolveMx(hostname: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(hostname: string): Promise<string[]>;
  resolve6(hostname: string): Promise<string[]>;
}

/** One mail server of a domain, with every address it has. */
export interface MxHost {
  host: string;
  /** MX preference; null for the implicit MX (the domain itself, RFC 5321 section 5.1). */
  preference: number | null;
  /** IPv4 addresses first, then IPv6, each in the order DNS returned them. */
  addresses: string[];
}

/** Why no server could be found, and whether asking again later can help. */
export interface MxFailure {
  /** RFC 3463 status for the recipients: 5.x.x when permanent, 4.x.x when temporary. */
  status: string;
  reason: string;
  /** The MX host that could not be resolved, when the failure is about one. */
  host: { host: string; preference: number | null } | null;
}

export type MxResolution =
  | { kind: 'resolved'; hosts: MxHost[] }
  | ({ kind: 'permanent' } & MxFailure)
  | ({ kind: 'temporary' } & MxFailure);

export interface MxResolver {
  /** The servers to try for `domain` (U-labels are converted to A-labels), in order. */
  resolve(domain: string): Promise<MxResolution>;
}

export interface MxResolverOptions {
  /** DNS servers as 'ip' or 'ip:port'; the system's when absent or empty. */
  servers?: readonly string[];
  /** Time one query try may take, in ms; default DEFAULT_DNS_TIMEOUT_MS. */
  timeoutMs?: number;
  /** DNS client to use instead of a node:dns Resolver (tests). */
  dns?: DnsClient;
  /** Random number in [0, 1) to order equal preferences; default Math.random. */
  random?: () => number;
}

type LookupFailure = 'nodata' | 'nxdomain' | 'temporary';
type Lookup<T> = { ok: true; value: T } | { ok: false; failure: LookupFailure; message: string };

export function createMxResolver(options: MxResolverOptions = {}): MxResolver {
  const dns = options.dns ?? createDnsClient(options);
  const random = options.random ?? Math.random;
  return { resolve: (domain) => resolveDomain(dns, random, domain) };
}

function createDnsClient(options: MxResolverOptions): DnsClient {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? DEFAULT_DNS_TIMEOUT_MS, tries: 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers([...options.servers]);
  return resolver;
}

async function resolveDomain(
  dns: DnsClient,
  random: () => number,
  domain: string,
): Promise<MxResolution> {
  const name = domainToASCII(domain.replace(/\.$/, ''));
  if (!name) return fail('permanent', '5.1.2', `${domain} is not a valid domain name`, null);

  const mx = await lookup(() => dns.resolveMx(name));
  if (!mx.ok && mx.failure === 'nxdomain') {
    return fail('permanent', '5.1.2', `domain ${name} does not exist (NXDOMAIN)`, null);
  }
  if (!mx.ok && mx.failure === 'temporary') {
    return fail('temporary', '4.4.3', `MX look-up for ${name} failed: ${mx.message}`, null);
  }

  // RFC 5321 section 5.1: without MX records the domain itself is the implicit MX.
  const records = mx.ok ? mx.value : [];
  if (records.length === 0) return resolveHosts(dns, [{ host: name, preference: null }]);

  // RFC 7505 section 3: a single MX with an empty exchange says the domain takes no mail.
  const named = records.filter((r) => !isNullExchange(r.exchange));
  if (named.length === 0) {
    return fail('permanent', '5.1.10', `${name} accepts no mail (null MX, RFC 7505)`, null);
  }
  return resolveHosts(dns, orderByPreference(named, random));
}

function isNullExchange(exchange: string): boolean {
  return exchange === '' || exchange === '.';
}

/**
 * RFC 5321 section 5.1: lowest preference first; hosts of equal preference in random order,
 * so that load spreads over them.
 */
export function orderByPreference(
  records: readonly { exchange: string; priority: number }[],
  random: () => number,
): { host: string; preference: number }[] {
  const keyed = records.map((r) => ({
    host: r.exchange.replace(/\.$/, '').toLowerCase(),
    preference: r.priority,
    key: random(),
  }));
  keyed.sort((a, b) => a.preference - b.preference || a.key - b.key);
  return keyed.map(({ host, preference }) => ({ host, preference }));
}

async function resolveHosts(
  dns: DnsClient,
  hosts: readonly { host: string; preference: number | null }[],
): Promise<MxResolution> {
  const looked = await Promise.all(hosts.map((h) => resolveAddresses(dns, h.host)));
  const resolved = hosts
    .map((h, i) => ({ ...h, addresses: looked[i]?.addresses ?? [] }))
    .filter((h) => h.addresses.length > 0);
  if (resolved.length > 0) return { kind: 'resolved', hosts: resolved };

  const first = hosts[0] ?? null;
  const temporary = looked.find((l) => l.temporary !== null)?.temporary;
  if (temporary) {
    return fail('temporary', '4.4.3', `address look-up failed: ${temporary}`, first);
  }
  const names = hosts.map((h) => h.host).join(', ');
  // The implicit MX case: the domain exists (no NXDOMAIN above) but has no address at all.
  const status = first?.preference === null ? '5.1.2' : '5.4.4';
  return fail('permanent', status, `no A or AAAA records for ${names}`, first);
}

async function resolveAddresses(
  dns: DnsClient,
  host: string,
): Promise<{ addresses: string[]; temporary: string | null }> {
  const [v4, v6] = await Promise.all([
    lookup(() => dns.resolve4(host)),
    lookup(() => dns.resolve6(host)),
  ]);
  const addresses = [...(v4.ok ? v4.value : []), ...(v6.ok ? v6.value : [])];
  const failed = [v4, v6].find((l) => !l.ok && l.failure === 'temporary');
  const temporary = failed && !failed.ok ? `${host}: ${failed.message}` : null;
  return { addresses: [...new Set(addresses)], temporary };
}

async function lookup<T>(query: () => Promise<T>): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await query() };
  } catch (error) {
    return { ok: false, failure: classifyDnsError(error), message: describeDnsError(error) };
  }
}

/**
 * ENODATA: the name exists without records of that type; ENOTFOUND: NXDOMAIN. Anything else
 * (SERVFAIL, timeout, refused, a malformed answer) may go away, so it is temporary.
 */
export function classifyDnsError(error: unknown): LookupFailure {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ENODATA') return 'nodata';
  if (code === 'ENOTFOUND') return 'nxdomain';
  return 'temporary';
}

function describeDnsError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : null;
  return code ? `${code} (${error.message})` : error.message;
}

function fail(
  kind: 'permanent' | 'temporary',
  status: string,
  reason: string,
  host: MxFailure['host'],
): MxResolution {
  return { kind, status, reason, host };
}

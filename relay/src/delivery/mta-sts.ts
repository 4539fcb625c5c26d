import { Resolver } from 'node:dns/promises';
import { getPolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import type { Logger, TlsPolicy } from '#shared';

/** Overall time for fetching one policy file over HTTPS, in ms (RFC 8461 section 3.3: 1 min). */
export const DEFAULT_POLICY_FETCH_TIMEOUT_MS = 60_000;
/** Most domains whose policy is kept in memory; the oldest is dropped first. */
export const DEFAULT_MAX_CACHED_POLICIES = 10_000;

/** Finds the TLS policy a recipient domain publishes. */
export interface TlsPolicySource {
  /** The domain's policy in `enforce` or `testing` mode, or null (none, `none`, or unusable). */
  lookup(domain: string): Promise<TlsPolicy | null>;
}

export interface MtaStsOptions {
  /** DNS servers as 'ip' or 'ip:port' for the `_mta-sts` TXT and policy host look-ups. */
  servers?: readonly string[];
  /** Overall time to fetch a policy file, in ms; default DEFAULT_POLICY_FETCH_TIMEOUT_MS. */
  fetchTimeoutMs?: number;
  /** Most domains cached; default DEFAULT_MAX_CACHED_POLICIES. */
  maxCached?: number;
  log: Logger;
}

type KnownPolicy = Parameters<typeof getPolicy>[1];

/**
 * MTA-STS (RFC 8461) through mailauth: the `_mta-sts` TXT record is read on every look-up, and
 * the policy file is fetched from `https://mta-sts.<domain>/.well-known/mta-sts.txt` only when
 * its id changed or the cached copy outlived its max_age (section 5.1). A cached policy keeps
 * applying when DNS or the policy host fails (section 3.3). The policy host's certificate must
 * chain to a CA Node trusts: the system's, or those in NODE_EXTRA_CA_CERTS.
 *
 * LIMITATION: the cache is in memory, so a restarted relay fetches every policy again, and while
 * a domain's policy host is unreachable right after a restart, its policy does not apply.
 */
export function createMtaStsPolicies(options: MtaStsOptions): TlsPolicySource {
  const cache = new Map<string, NonNullable<KnownPolicy>>();
  const resolve = createTxtResolver(options.servers ?? []);
  const maxCached = options.maxCached ?? DEFAULT_MAX_CACHED_POLICIES;
  return {
    async lookup(domain) {
      const key = domain.toLowerCase();
      const result = await getPolicy(key, cache.get(key), {
        resolver: resolve,
        timeout: options.fetchTimeoutMs ?? DEFAULT_POLICY_FETCH_TIMEOUT_MS,
      });
      const { policy, status } = result;
      if (policy.error) {
        options.log.warn({ domain, status, err: policy.error }, 'MTA-STS policy not fetched');
      }
      remember(cache, key, policy, maxCached);
      return toTlsPolicy(policy);
    },
  };
}

/** Whether an MX host name matches one of the policy's `mx` patterns (RFC 8461 section 4.1). */
export function mxMatchesPolicy(host: string, policy: TlsPolicy): boolean {
  return validateMx(host, { mode: policy.mode, mx: policy.mx }).valid;
}

function remember(
  cache: Map<string, NonNullable<KnownPolicy>>,
  key: string,
  policy: NonNullable<KnownPolicy>,
  maxCached: number,
) {
  cache.delete(key);
  if (!policy.id) return;
  cache.set(key, policy);
  const oldest = cache.keys().next();
  if (cache.size > maxCached && !oldest.done) cache.delete(oldest.value);
}

function toTlsPolicy(policy: NonNullable<KnownPolicy>): TlsPolicy | null {
  if (!policy.id || (policy.mode !== 'enforce' && policy.mode !== 'testing')) return null;
  return { kind: 'mta-sts', mode: policy.mode, id: policy.id, mx: [...(policy.mx ?? [])] };
}

/** A `dns.promises.resolve`-shaped function on the relay's own DNS servers. */
function createTxtResolver(servers: readonly string[]) {
  const resolver = new Resolver({ timeout: 5_000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return async (name: string, rrtype: string): Promise<string[][] | string[]> => {
    if (rrtype === 'TXT') return resolver.resolveTxt(name);
    if (rrtype === 'AAAA') return resolver.resolve6(name);
    return resolver.resolve4(name);
  };
}

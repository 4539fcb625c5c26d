import type { MxHost, MxResolution, MxResolver } from '../mx.ts';

/** A resolver that answers every domain with the given hosts (tests point them at loopback). */
export function staticResolver(hosts: MxHost[]): MxResolver & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve: async (domain) => {
      asked.push(domain);
      return { kind: 'resolved', hosts };
    },
  };
}

/** A resolver that answers every domain with the given failure. */
export function failingResolver(result: Exclude<MxResolution, { kind: 'resolved' }>): MxResolver {
  return { resolve: async () => result };
}

/** A resolver that answers each domain with its own hosts, and NXDOMAIN for any other. */
export function routingResolver(routes: Record<string, MxHost[]>): MxResolver {
  return {
    resolve: async (domain) => {
      const hosts = routes[domain];
      if (hosts) return { kind: 'resolved', hosts };
      return { kind: 'permanent', status: '5.1.2', reason: `${domain} unknown`, host: null };
    },
  };
}

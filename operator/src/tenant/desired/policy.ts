import { CONTAINER_PORTS } from './config-map.ts';
import { RELAY_NAME, selectorLabels } from './labels.ts';
import { baseMetadata } from './metadata.ts';
import type { DesiredInput, DesiredObject } from './types.ts';

/** Port NATS URLs use when they name none. */
const NATS_DEFAULT_PORT = 4222;

/** At most one relay Pod is evicted at a time (node drains, cluster upgrades). */
export function desiredPodDisruptionBudget(input: DesiredInput): DesiredObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: baseMetadata(input, RELAY_NAME),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(input.tenant.metadata.name) },
    },
  };
}

/**
 * Ingress: SMTP submission only. Egress: DNS (MX look-ups), port 25 (recipients' servers) and
 * the NATS ports. Destinations are open because recipients' servers are anywhere.
 */
export function desiredNetworkPolicy(input: DesiredInput): DesiredObject {
  const tcp = (port: number) => ({ protocol: 'TCP', port });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: baseMetadata(input, RELAY_NAME),
    spec: {
      podSelector: { matchLabels: selectorLabels(input.tenant.metadata.name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [tcp(CONTAINER_PORTS.submission), tcp(CONTAINER_PORTS.submissions)] }],
      egress: [
        { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
        { ports: [tcp(25)] },
        { ports: natsPorts(input.natsUrl).map(tcp) },
      ],
    },
  };
}

/** Distinct ports of comma-separated NATS URLs (nats://host:port or host:port). */
export function natsPorts(urls: string): number[] {
  const ports = urls
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)
    .map((u) => {
      const match = /:(\d+)\/?$/.exec(u);
      return match ? Number(match[1]) : NATS_DEFAULT_PORT;
    });
  return [...new Set(ports)].sort((a, b) => a - b);
}

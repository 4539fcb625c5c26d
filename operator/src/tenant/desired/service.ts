import { CONTAINER_PORTS } from './config-map.ts';
import { RELAY_NAME, selectorLabels } from './labels.ts';
import { baseMetadata } from './metadata.ts';
import type { DesiredInput, DesiredObject } from './types.ts';

/** Ports mail clients use: submission with STARTTLS (RFC 6409) and implicit TLS (RFC 8314). */
export const SERVICE_PORTS = { submission: 587, submissions: 465 } as const;

/** The relay's Service: type and annotations (e.g. a load balancer's) from the Tenant. */
export function desiredService(input: DesiredInput): DesiredObject {
  const { service } = input.tenant.spec.relay;
  const metadata = baseMetadata(input, RELAY_NAME);
  metadata.annotations = { ...service.annotations };
  const spec: Record<string, unknown> = {
    type: service.type,
    selector: selectorLabels(input.tenant.metadata.name),
    ports: [
      portOf('submission', SERVICE_PORTS.submission, CONTAINER_PORTS.submission),
      portOf('submissions', SERVICE_PORTS.submissions, CONTAINER_PORTS.submissions),
    ],
  };
  // Keeps the client's address visible to the relay (for logs and Received headers).
  if (service.type !== 'ClusterIP') spec.externalTrafficPolicy = 'Local';
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

function portOf(name: string, port: number, targetPort: number) {
  return { name, port, targetPort, protocol: 'TCP' };
}

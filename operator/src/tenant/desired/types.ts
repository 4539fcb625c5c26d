import type { EffectiveQuota, Tenant } from '../../api/types.ts';

/** An object the operator applies: only the fields it owns. */
export interface DesiredObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: object[];
  };
  [field: string]: unknown;
}

/** Everything the desired objects depend on; the same input always yields the same objects. */
export interface DesiredInput {
  tenant: Tenant & { metadata: { name: string; uid: string } };
  namespace: string;
  quota: EffectiveQuota;
  /** Relay container image. */
  image: string;
  /** NATS URL(s) for the relay, comma-separated. */
  natsUrl: string;
  /** The verified TLS Secret; absent when the Tenant names none (self-signed relay). */
  tls?: { secretName: string; certificateHash: string };
}

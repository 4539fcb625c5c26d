import type { KubernetesObject } from '@kubernetes/client-node';

/** API group and version of Zajoni's custom resources (crds/). */
export const GROUP = 'zajoni.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Resource names (plural) as the API server routes them. */
export const TENANTS = 'tenants';
export const QUOTA_POLICIES = 'quotapolicies';

/** The standard condition shape (metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  /** RFC 3339 time the status last changed. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface QuotaPolicySpec {
  /** Messages per user per rolling 24 hours; default 50. */
  messagesPerDay: number;
  recipientsPerMessage: number;
  /** Octets. */
  maxMessageSize: number;
  connectionsPerUser: number;
}

export interface QuotaPolicy extends KubernetesObject {
  spec: QuotaPolicySpec;
  status?: { observedGeneration?: number; tenantCount?: number };
}

export const SIGN_UP_MODES = { open: 'open', invite: 'invite' } as const;
export type SignUpMode = (typeof SIGN_UP_MODES)[keyof typeof SIGN_UP_MODES];

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** Container resources as in a Pod spec: quantities such as "100m" or "128Mi". */
export interface Resources {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}

export interface TenantSpec {
  displayName: string;
  senderDomains: string[];
  quotaPolicyRef: { name: string };
  signUp: SignUpMode;
  confirmationsDefault: boolean;
  transcriptRetentionDays: number;
  paused: boolean;
  relay: {
    replicas: number;
    hostname: string;
    resources?: Resources;
    service: { type: ServiceType; annotations?: Record<string, string> };
    tlsSecretRef?: { name: string };
  };
}

/** The limits a tenant's relay enforces, with the policy they came from. */
export interface EffectiveQuota extends QuotaPolicySpec {
  policy: string;
}

export interface TenantStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  endpoint?: string;
  readyReplicas?: number;
  effectiveQuota?: EffectiveQuota;
}

export interface Tenant extends KubernetesObject {
  spec: TenantSpec;
  status?: TenantStatus;
}

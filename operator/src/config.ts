import { z } from 'zod';
import { envPort, envPositiveInt, parseEnv } from '#shared';

/**
 * The operator's settings, one environment variable each, read once at start. Every problem is
 * reported with its variable name (see parseEnv).
 */
const operatorEnvSchema = z.object({
  /**
   * Path of a kubeconfig file. Unset: the in-cluster service account is used, and its absence is
   * an error, never a silent fallback to a local endpoint.
   */
  KUBECONFIG: z.string().min(1).optional(),
  /** Relay container image, e.g. ghcr.io/zajoni/relay:1.4.0. Required. */
  RELAY_IMAGE: z.string().min(1),
  /** NATS URL(s) the relays connect to, comma-separated. Required. */
  RELAY_NATS_URL: z.string().min(1),
  /**
   * NATS URL(s) the operator uses to remove a deleted tenant's queue state. Defaults to
   * RELAY_NATS_URL.
   */
  NATS_URL: z.string().min(1).optional(),
  /** GraphQL endpoint of the API, for tenant registration. Required. */
  API_URL: z.url(),
  /** Platform admin token for the API (mount it from a Secret). Required; never logged. */
  API_TOKEN: z.string().min(1),
  /** Prefix of each tenant's namespace: <prefix><tenant name>. */
  NAMESPACE_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,6}$/, { message: 'must be 1-7 of a-z, 0-9, -' })
    .default('zajoni-'),
  /** pino level of the operator's logs. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of /metrics, /healthz and /readyz. */
  HTTP_PORT: envPort(8080),
  /** Namespace and name of the coordination.k8s.io Lease that elects the active replica. */
  LEASE_NAMESPACE: z.string().min(1).default('zajoni-system'),
  LEASE_NAME: z.string().min(1).default('zajoni-operator'),
  /** Identity in the Lease; the Pod name (HOSTNAME) in a cluster. */
  POD_NAME: z
    .string()
    .min(1)
    .default(process.env.HOSTNAME ?? 'zajoni-operator'),
  /** How long a Lease is valid without renewal, in ms. */
  LEASE_DURATION_MS: envPositiveInt(15_000),
  /** How often the leader renews, in ms; must be below LEASE_DURATION_MS. */
  LEASE_RENEW_MS: envPositiveInt(5_000),
  /** How often every Tenant is reconciled even without a change, in ms. Default 10 minutes. */
  RESYNC_MS: envPositiveInt(600_000),
  /** A watch that delivers nothing (not even a bookmark) this long is restarted, in ms. */
  WATCH_IDLE_MS: envPositiveInt(300_000),
  /** First and longest retry delay of a failing key, in ms. */
  RETRY_BASE_MS: envPositiveInt(1_000),
  RETRY_MAX_MS: envPositiveInt(300_000),
});

export type OperatorConfig = z.infer<typeof operatorEnvSchema>;

/** Reads and validates the operator's environment; throws ConfigError naming every problem. */
export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const schema = operatorEnvSchema.superRefine((value, ctx) => {
    if (value.LEASE_RENEW_MS >= value.LEASE_DURATION_MS) {
      const message = 'must be below LEASE_DURATION_MS';
      ctx.addIssue({ code: 'custom', path: ['LEASE_RENEW_MS'], message });
    }
  });
  return parseEnv(schema, env);
}

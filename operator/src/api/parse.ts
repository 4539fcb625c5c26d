import { z } from 'zod';
import { SERVICE_TYPES, SIGN_UP_MODES, type QuotaPolicySpec, type TenantSpec } from './types.ts';

/**
 * The CRD schemas (crds/) are what refuse bad input; these mirror their defaults and the fields
 * the operator depends on, so an object stored before a schema change, or by an API server
 * that skipped defaulting, still yields a complete spec or a clear reason.
 */
const tenantSpecSchema = z.object({
  displayName: z.string().min(1),
  senderDomains: z.array(z.string().min(1)).min(1),
  quotaPolicyRef: z.object({ name: z.string().min(1) }),
  signUp: z.enum(SIGN_UP_MODES).default('invite'),
  confirmationsDefault: z.boolean().default(true),
  transcriptRetentionDays: z.number().int().min(1).default(365),
  paused: z.boolean().default(false),
  relay: z.object({
    replicas: z.number().int().min(1).default(2),
    hostname: z.string().min(1),
    resources: z
      .object({
        requests: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
        limits: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
      })
      .optional(),
    service: z
      .object({
        type: z.enum(SERVICE_TYPES).default('LoadBalancer'),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .default({ type: 'LoadBalancer' }),
    tlsSecretRef: z.object({ name: z.string().min(1) }).optional(),
  }),
});

const quotaPolicySpecSchema = z.object({
  messagesPerDay: z.number().int().positive().default(50),
  recipientsPerMessage: z.number().int().positive().default(50),
  maxMessageSize: z
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
  connectionsPerUser: z.number().int().positive().default(5),
});

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function parseWith<T>(schema: z.ZodType<T>, value: unknown): ParseResult<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`);
  return { ok: false, problems };
}

export function parseTenantSpec(spec: unknown): ParseResult<TenantSpec> {
  return parseWith(tenantSpecSchema as z.ZodType<TenantSpec>, spec);
}

export function parseQuotaPolicySpec(spec: unknown): ParseResult<QuotaPolicySpec> {
  return parseWith(quotaPolicySpecSchema, spec);
}

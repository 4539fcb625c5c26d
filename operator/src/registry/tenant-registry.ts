import type { SignUpMode } from '../api/types.ts';
import { RegistryError } from '../errors.ts';

/** What the API needs to know about a tenant. */
export interface TenantRegistration {
  /** The Tenant's name: a DNS label, also the tenant id in NATS subjects. */
  id: string;
  displayName: string;
  signUp: SignUpMode;
  confirmationsDefault: boolean;
  retentionDays: number;
  senderDomains: string[];
}

/**
 * The API's record of tenants. Both calls must be idempotent: the operator repeats them after
 * a restart or a failure.
 */
export interface TenantRegistry {
  register(tenant: TenantRegistration): Promise<void>;
  deregister(id: string): Promise<void>;
}

const REGISTER = `mutation Register($input: RegisterTenantInput!) {
  registerTenant(input: $input) { id }
}`;

const DEREGISTER = `mutation Deregister($id: String!) { deregisterTenant(id: $id) }`;

/**
 * The API's GraphQL mutations, authorised with the platform admin token.
 *
 * LIMITATION: written against the agreed schema (registerTenant, deregisterTenant) while the
 * API side was being built; not yet run against the real API. The input type name
 * RegisterTenantInput is assumed.
 */
export function createGraphqlTenantRegistry(options: {
  url: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): TenantRegistry {
  const doFetch = options.fetch ?? fetch;

  async function mutate(what: string, query: string, variables: object): Promise<unknown> {
    let response: Response;
    try {
      response = await doFetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${options.token}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new RegistryError(`cannot ${what}: API unreachable`, { cause: error });
    }
    const body = (await response.json().catch(() => undefined)) as
      { data?: unknown; errors?: { message: string }[] } | undefined;
    if (!response.ok || !body || body.errors?.length) {
      const detail = body?.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`;
      throw new RegistryError(`cannot ${what}: ${detail}`);
    }
    return body.data;
  }

  return {
    async register(tenant) {
      await mutate(`register tenant ${tenant.id}`, REGISTER, { input: tenant });
    },
    async deregister(id) {
      await mutate(`deregister tenant ${id}`, DEREGISTER, { id });
    },
  };
}

import type { SignUpMode } from '../api/types.ts';
import { RegistryAuthError, RegistryError } from '../errors.ts';

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

/** GraphQL enum SignUpMode: the API's enum values are the spec's, in upper case. */
const SIGN_UP_ENUM = { open: 'OPEN', invite: 'INVITE' } as const satisfies Record<
  SignUpMode,
  string
>;

/** extensions.code values meaning the API did not take API_TOKEN as a platform admin's. */
const AUTH_CODES: readonly string[] = ['UNAUTHENTICATED', 'FORBIDDEN'];

interface GraphqlBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

/**
 * The API's GraphQL mutations (api/src/schema/accounts.graphql.ts), authorised with the
 * platform admin token. Throws RegistryAuthError when the API refuses the token, RegistryError
 * for any other failure.
 */
export function createGraphqlTenantRegistry(options: {
  url: string;
  token: string;
  fetch?: typeof fetch;
  /** Per request, in ms. Default 10 s. */
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
      throw new RegistryError(`cannot ${what}: API unreachable`, {}, { cause: error });
    }
    const body = (await response.json().catch(() => undefined)) as GraphqlBody | undefined;
    if (response.ok && body?.data && !body.errors?.length) return body.data;
    throw failureOf(what, response.status, body);
  }

  return {
    async register(tenant) {
      const input = { ...tenant, signUp: SIGN_UP_ENUM[tenant.signUp] };
      await mutate(`register tenant ${tenant.id}`, REGISTER, { input });
    },
    async deregister(id) {
      await mutate(`deregister tenant ${id}`, DEREGISTER, { id });
    },
  };
}

function failureOf(what: string, status: number, body: GraphqlBody | undefined): RegistryError {
  const [first] = body?.errors ?? [];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  const detail = body?.errors?.map((e) => e.message).join('; ') || `HTTP ${status}`;
  if (code && AUTH_CODES.includes(code)) {
    const message = `cannot ${what}: the API refused API_TOKEN as a platform admin (${code}: ${detail})`;
    return new RegistryAuthError(message, { code, status });
  }
  return new RegistryError(`cannot ${what}: ${detail}`, { ...(code ? { code } : {}), status });
}

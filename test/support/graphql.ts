/** One GraphQL response as the tests read it: status, headers and the JSON body. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

/** A client for one GraphQL endpoint over real HTTP (fetch). */
export function graphqlClient(url: string) {
  async function gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as GraphQLResponse<T>['body'],
    };
  }

  /** The data of a request that must succeed; throws with the errors otherwise. */
  async function data<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await gql<T>(query, variables, headers);
    if (response.body.errors?.length || !response.body.data) {
      throw new Error(`GraphQL ${response.status}: ${JSON.stringify(response.body.errors)}`);
    }
    return response.body.data;
  }

  return { gql, data };
}

/** The `extensions.code` of the first error, or undefined. */
export function errorCode(response: GraphQLResponse<unknown>): unknown {
  return response.body.errors?.[0]?.extensions?.code;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The account operations the tests use. */
export const OPS = {
  registerTenant: /* GraphQL */ `
    mutation ($input: RegisterTenantInput!) {
      registerTenant(input: $input) {
        id
        displayName
        signUp
        confirmationsDefault
        retentionDays
        senderDomains
      }
    }
  `,
  deregisterTenant: 'mutation ($id: String!) { deregisterTenant(id: $id) }',
  signUp: 'mutation ($input: SignUpInput!) { signUp(input: $input) }',
  verifyAddress: /* GraphQL */ `
    mutation ($token: String!) {
      verifyAddress(token: $token) {
        id
        tenant
        address
        role
        confirmations
        verified
      }
    }
  `,
  signIn: /* GraphQL */ `
    mutation ($input: SignInInput!) {
      signIn(input: $input) {
        token
        expiresAt
        user {
          id
          address
          tenant
          role
        }
      }
    }
  `,
  signOut: 'mutation { signOut }',
  changePassword: /* GraphQL */ `
    mutation ($current: String!, $next: String!) {
      changePassword(currentPassword: $current, newPassword: $next)
    }
  `,
  requestPasswordReset: /* GraphQL */ `
    mutation ($address: String!) {
      requestPasswordReset(address: $address)
    }
  `,
  resetPassword: /* GraphQL */ `
    mutation ($token: String!, $password: String!) {
      resetPassword(token: $token, newPassword: $password)
    }
  `,
  forgotUsername: 'mutation ($address: String!) { forgotUsername(address: $address) }',
  createUser: /* GraphQL */ `
    mutation ($input: CreateUserInput!) {
      createUser(input: $input) {
        id
        tenant
        address
        role
      }
    }
  `,
  deleteUser: 'mutation ($id: ID!) { deleteUser(id: $id) }',
  users: 'query ($tenant: String) { users(tenant: $tenant) { id tenant address role verified } }',
  createApiToken: /* GraphQL */ `
    mutation ($name: String!) {
      createApiToken(name: $name) {
        token
        apiToken {
          id
          name
          lastUsedAt
        }
      }
    }
  `,
  apiTokens: '{ apiTokens { id name createdAt lastUsedAt } }',
  revokeApiToken: 'mutation ($id: ID!) { revokeApiToken(id: $id) }',
  setConfirmations: /* GraphQL */ `
    mutation ($enabled: Boolean!) {
      setConfirmations(enabled: $enabled) {
        address
        confirmations
      }
    }
  `,
  me: '{ me { kind user { address tenant role } } }',
  myMessages: '{ viewer { address messages(first: 10) { edges { node { queueId subject } } } } }',
} as const;

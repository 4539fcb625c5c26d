/** The header that marks a request as the console's own (the API's CSRF check wants it). */
export const CONSOLE_HEADER = 'x-zajoni-console';

/** Where the API answers GraphQL; the console is served from the same origin. */
export const GRAPHQL_PATH = '/graphql';

interface GraphQLErrorBody {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly retryAfter?: number };
}

/** A GraphQL request failed: `code` is the first error's `extensions.code`, when it has one. */
export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
  readonly code: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(message: string, code?: string, retryAfter?: number) {
    super(message);
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/**
 * Runs one operation against the API with the session cookie. Resolves to `data`; rejects with
 * GraphQLRequestError when the answer carries errors or is not GraphQL at all.
 */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        [CONSOLE_HEADER]: '1',
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new GraphQLRequestError('The server cannot be reached. Check your connection.');
  }
  const body = (await response.json().catch(() => null)) as {
    data?: T | null;
    errors?: GraphQLErrorBody[];
  } | null;
  const first = body?.errors?.[0];
  if (first) {
    throw new GraphQLRequestError(
      first.message,
      first.extensions?.code,
      first.extensions?.retryAfter,
    );
  }
  if (!body?.data) throw new GraphQLRequestError(`Unexpected answer (HTTP ${response.status}).`);
  return body.data;
}

/** A sentence for a person from any failure of gql(). */
export function describeError(error: unknown): string {
  if (!(error instanceof GraphQLRequestError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Please sign in again.';
    case 'RATE_LIMITED':
      return `${capitalize(error.message)}.`;
    case 'INTERNAL_SERVER_ERROR':
      return 'The server could not do that just now. Please try again later.';
    default:
      return `${capitalize(error.message)}${error.message.endsWith('.') ? '' : '.'}`;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import type { Pool } from 'pg';
import { createSchema, createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '#shared';
import { createContext, resolvers, type ApiContext } from '../resolvers/index.ts';
import { typeDefs } from '../schema/type-defs.ts';
import { useErrorBoundary } from './error-boundary.ts';
import { useHealthEndpoint } from './health.ts';
import { createYogaLogger } from './yoga-logger.ts';

/** Path of the GraphQL endpoint. */
export const GRAPHQL_PATH = '/graphql';

export type ApiYoga = YogaServerInstance<object, ApiContext>;

/**
 * The GraphQL server as a fetch handler (`yoga.fetch`) and a Node request listener. GraphiQL,
 * the landing page and CORS are off: clients are same-origin tools sending Basic credentials,
 * and a permissive CORS policy would let any web page use a browser's cached credentials.
 */
export function createApiYoga(db: Pool, log: Logger): ApiYoga {
  const graphqlLog = log.child({ component: 'graphql' });
  return createYoga<object, ApiContext>({
    schema: createSchema<ApiContext>({ typeDefs, resolvers }),
    context: ({ request }) => createContext(request, db, graphqlLog),
    graphqlEndpoint: GRAPHQL_PATH,
    plugins: [useErrorBoundary(), useHealthEndpoint(db, graphqlLog)],
    logging: createYogaLogger(graphqlLog),
    maskedErrors: { isDev: false, errorMessage: 'Unexpected error.' },
    graphiql: false,
    landingPage: false,
    cors: false,
  });
}

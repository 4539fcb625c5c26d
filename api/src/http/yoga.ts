import type { IncomingMessage } from 'node:http';
import type { Pool } from 'pg';
import { createSchema, createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '#shared';
import { createOfflineAccountServices, type AccountServices } from '../accounts/services.ts';
import { createContext, resolvers, type ApiContext } from '../resolvers/index.ts';
import { accountTypeDefs } from '../schema/accounts.graphql.ts';
import { typeDefs } from '../schema/type-defs.ts';
import { useErrorBoundary } from './error-boundary.ts';
import { useHealthEndpoint } from './health.ts';
import { createYogaLogger } from './yoga-logger.ts';

/** Path of the GraphQL endpoint. */
export const GRAPHQL_PATH = '/graphql';

/** What node:http hands each request; absent under `yoga.fetch`. */
export interface ServerContext {
  readonly req?: IncomingMessage;
}

export type ApiYoga = YogaServerInstance<ServerContext, ApiContext>;

/**
 * The GraphQL server as a fetch handler (`yoga.fetch`) and a Node request listener. GraphiQL is
 * served at GRAPHQL_PATH to browsers; the landing page and CORS are off: a permissive CORS
 * policy would let any web page use a browser's cached credentials.
 */
export function createApiYoga(
  db: Pool,
  log: Logger,
  accounts: AccountServices = createOfflineAccountServices(db),
): ApiYoga {
  const graphqlLog = log.child({ component: 'graphql' });
  return createYoga<ServerContext, ApiContext>({
    schema: createSchema<ApiContext>({ typeDefs: [typeDefs, accountTypeDefs], resolvers }),
    context: ({ request, req }) =>
      createContext(request, db, graphqlLog, accounts, req?.socket.remoteAddress),
    graphqlEndpoint: GRAPHQL_PATH,
    plugins: [useErrorBoundary(), useHealthEndpoint(db, graphqlLog)],
    logging: createYogaLogger(graphqlLog),
    maskedErrors: { isDev: false, errorMessage: 'Unexpected error.' },
    // The GraphiQL page holds no data; it lets a person sign up and query from a browser.
    graphiql: true,
    landingPage: false,
    cors: false,
  });
}

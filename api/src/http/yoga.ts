import type { IncomingMessage } from 'node:http';
import type { Pool } from 'pg';
import { createSchema, createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '#shared';
import { createMessageService, type MessageServiceOptions } from '../messages/service.ts';
import { createOfflineAccountServices, type AccountServices } from '../accounts/services.ts';
import { createContext, resolvers, type ApiContext } from '../resolvers/index.ts';
import { accountTypeDefs } from '../schema/accounts.graphql.ts';
import { messageTypeDefs } from '../schema/messages.ts';
import { typeDefs } from '../schema/type-defs.ts';
import { useErrorBoundary } from './error-boundary.ts';
import { useHealthEndpoint } from './health.ts';
import { useQueryLimits } from './limits.ts';
import { useMetricsEndpoint } from './metrics.ts';
import { createYogaLogger } from './yoga-logger.ts';

/** Path of the GraphQL endpoint. */
export const GRAPHQL_PATH = '/graphql';

/** The relay's defaults; without NATS, quota and delivery events fail as unexpected errors. */
const DEFAULT_MESSAGE_OPTIONS: MessageServiceOptions = {
  lifetimeMs: 5 * 24 * 3_600_000,
  quota: { limit: 50, windowMs: 24 * 3_600_000 },
};

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
  messageOptions: MessageServiceOptions = DEFAULT_MESSAGE_OPTIONS,
  accounts: AccountServices = createOfflineAccountServices(db),
): ApiYoga {
  const graphqlLog = log.child({ component: 'graphql' });
  const messages = createMessageService(db, messageOptions);
  return createYoga<ServerContext, ApiContext>({
    schema: createSchema<ApiContext>({
      typeDefs: [typeDefs, messageTypeDefs, accountTypeDefs],
      resolvers,
    }),
    context: ({ request, req }) =>
      createContext(request, db, graphqlLog, messages, accounts, req?.socket.remoteAddress),
    graphqlEndpoint: GRAPHQL_PATH,
    plugins: [
      useQueryLimits(),
      useErrorBoundary(),
      useHealthEndpoint(db, graphqlLog),
      useMetricsEndpoint(),
    ],
    logging: createYogaLogger(graphqlLog),
    maskedErrors: { isDev: false, errorMessage: 'Unexpected error.' },
    // The GraphiQL page holds no data; it lets a person sign up and query from a browser.
    graphiql: true,
    landingPage: false,
    cors: false,
  });
}

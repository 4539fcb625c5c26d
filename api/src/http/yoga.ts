import type { IncomingMessage } from 'node:http';
import type { Pool } from 'pg';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createSchema, createYoga, type YogaServerInstance } from 'graphql-yoga';
import { METRICS_PATH, type Logger } from '#shared';
import { createMessageService, type MessageServiceOptions } from '../messages/service.ts';
import { createOfflineAccountServices, type AccountServices } from '../accounts/services.ts';
import { useConsole } from '../console/plugin.ts';
import { createConsoleResolvers } from '../console/resolvers.ts';
import { consoleTypeDefs } from '../console/schema.ts';
import { createOfflineConsoleServices, type ConsoleServices } from '../console/services.ts';
import { withCookieCredentials } from '../console/session-cookie.ts';
import { createContext, resolvers, type ApiContext } from '../resolvers/index.ts';
import { accountTypeDefs } from '../schema/accounts.graphql.ts';
import { messageTypeDefs } from '../schema/messages.ts';
import { typeDefs } from '../schema/type-defs.ts';
import { useErrorBoundary } from './error-boundary.ts';
import { HEALTH_PATH, useHealthEndpoint } from './health.ts';
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
 * served at GRAPHQL_PATH to browsers; every other GET path is the web console (console/). The
 * landing page and CORS are off: a permissive CORS policy would let any web page use a
 * browser's cached credentials or the console's cookie.
 */
export function createApiYoga(
  db: Pool,
  log: Logger,
  messageOptions: MessageServiceOptions = DEFAULT_MESSAGE_OPTIONS,
  accounts: AccountServices = createOfflineAccountServices(db),
  consoleServices: ConsoleServices = createOfflineConsoleServices(),
): ApiYoga {
  const graphqlLog = log.child({ component: 'graphql' });
  const messages = createMessageService(db, messageOptions);
  return createYoga<ServerContext, ApiContext>({
    schema: createSchema<ApiContext>({
      typeDefs: [typeDefs, messageTypeDefs, accountTypeDefs, consoleTypeDefs],
      resolvers: [resolvers, createConsoleResolvers(consoleServices)],
    }),
    context: ({ request, req }) => {
      // The console's session cookie counts as a Bearer token (after useConsole's CSRF check).
      const credentials = withCookieCredentials(request);
      const remote = req?.socket.remoteAddress;
      return createContext(credentials, db, graphqlLog, messages, accounts, remote);
    },
    graphqlEndpoint: GRAPHQL_PATH,
    plugins: [
      useQueryLimits(),
      useErrorBoundary(),
      useHealthEndpoint(db, graphqlLog),
      useMetricsEndpoint(),
      useConsole({
        dir: consoleServices.settings.dir,
        apiPaths: [GRAPHQL_PATH, HEALTH_PATH, METRICS_PATH],
        log: graphqlLog,
      }),
    ],
    logging: createYogaLogger(graphqlLog),
    maskedErrors: { isDev: false, errorMessage: 'Unexpected error.' },
    // The GraphiQL page holds no data; it lets a person sign up and query from a browser.
    graphiql: true,
    // GraphiQL's scripts and styles come from this package, not from a CDN: the API must work
    // offline and on networks that block third-party hosts.
    renderGraphiQL,
    landingPage: false,
    cors: false,
  });
}

import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { Logger } from '#shared';
import {
  InvalidArgumentError,
  InvalidCursorError,
  PageTooLargeError,
  UnauthenticatedError,
} from '../errors.ts';
import type { ApiContext } from '../resolvers/context.ts';
import { accountErrorExtensions } from './account-errors.ts';

/** Message a client sees for any failure it did not cause. */
export const UNEXPECTED_ERROR_MESSAGE = 'Unexpected error.';

/** The `extensions.code` values clients can branch on. */
export const ERROR_CODES = {
  unauthenticated: 'UNAUTHENTICATED',
  badUserInput: 'BAD_USER_INPUT',
  badCursor: 'BAD_CURSOR',
  pageTooLarge: 'PAGE_TOO_LARGE',
  internal: 'INTERNAL_SERVER_ERROR',
} as const;

/** RFC 7235 challenge sent with 401, so browsers and curl know to send Basic credentials. */
const CHALLENGE = 'Basic realm="zajoni", charset="UTF-8"';

/**
 * Where resolver failures meet the protocol. Errors a client caused become GraphQL errors with
 * `extensions.code`; anything else is logged in full with the request id and replaced by a
 * masked INTERNAL_SERVER_ERROR. Yoga's own masking stays on as a net for other phases.
 */
export function useErrorBoundary(): Plugin<ApiContext> {
  return {
    onExecute({ args }) {
      const log = args.contextValue.log;
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            if (!result.errors) return;
            setResult({ ...result, errors: result.errors.map((e) => toClientError(e, log)) });
          });
        },
      };
    },
    // Subscriptions (SSE): errors of the subscribe step and of each event's execution.
    onSubscribe({ args }) {
      const log = args.contextValue.log;
      return {
        onSubscribeResult(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            if (!result.errors) return;
            setResult({ ...result, errors: result.errors.map((e) => toClientError(e, log)) });
          });
        },
      };
    },
  };
}

/** The error the client sees for one execution error. */
export function toClientError(error: GraphQLError, log: Logger): GraphQLError {
  const cause = error.originalError;
  if (cause instanceof UnauthenticatedError) {
    const http = { status: 401, headers: { 'WWW-Authenticate': CHALLENGE } };
    return withExtensions(error, cause.message, { code: ERROR_CODES.unauthenticated, http });
  }
  if (cause instanceof InvalidArgumentError) {
    const code =
      cause instanceof InvalidCursorError
        ? ERROR_CODES.badCursor
        : cause instanceof PageTooLargeError
          ? ERROR_CODES.pageTooLarge
          : ERROR_CODES.badUserInput;
    const extensions = { code, argument: cause.argument };
    return withExtensions(error, cause.message, extensions);
  }
  const account = accountErrorExtensions(cause);
  if (account) return withExtensions(error, cause?.message ?? error.message, account);
  // Without a path the error concerns the request as a whole (variables that do not coerce):
  // the client's doing, and its message says what to fix.
  if (error.path === undefined) return error;
  log.error({ err: cause ?? error, path: error.path.join('.') }, 'graphql field failed');
  return withExtensions(error, UNEXPECTED_ERROR_MESSAGE, { code: ERROR_CODES.internal });
}

function withExtensions(
  error: GraphQLError,
  message: string,
  extensions: GraphQLError['extensions'],
): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes ?? null,
    path: error.path ?? null,
    extensions,
  });
}

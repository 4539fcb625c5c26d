import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Static limits on a GraphQL document, checked before it runs. The deepest query the schema
 * needs (a page of messages down to each step's reply lines) is 8 levels and costs about 900.
 */
export const QUERY_LIMITS = {
  /** Nesting levels of fields. */
  maxDepth: 10,
  /** graphql-armor's cost: 2 per object field, 1 per scalar, times 1.5 per level of depth. */
  maxCost: 5_000,
  /** Aliased fields per document: a page costs a transaction, an alias another page. */
  maxAliases: 10,
  /** Lexical tokens per document, checked while parsing. */
  maxTokens: 2_000,
  maxDirectives: 20,
} as const;

/** `extensions.code` of a document refused by a limit. */
export const LIMIT_CODES = {
  depth: 'QUERY_TOO_DEEP',
  cost: 'QUERY_TOO_COSTLY',
  aliases: 'TOO_MANY_ALIASES',
  tokens: 'TOO_MANY_TOKENS',
  directives: 'TOO_MANY_DIRECTIVES',
} as const;

/**
 * The rejecting error is the one graphql-armor then reports or throws, so its code is attached
 * here, at the one place that knows which limit refused it.
 */
function tagWith(code: string) {
  return [(_context: unknown, error: GraphQLError) => Object.assign(error.extensions, { code })];
}

/** graphql-armor with QUERY_LIMITS; each refusal carries its LIMIT_CODES code. */
export function useQueryLimits(): Plugin {
  return EnvelopArmorPlugin({
    maxDepth: { n: QUERY_LIMITS.maxDepth, onReject: tagWith(LIMIT_CODES.depth) },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, onReject: tagWith(LIMIT_CODES.cost) },
    maxAliases: { n: QUERY_LIMITS.maxAliases, onReject: tagWith(LIMIT_CODES.aliases) },
    maxTokens: { n: QUERY_LIMITS.maxTokens, onReject: tagWith(LIMIT_CODES.tokens) },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, onReject: tagWith(LIMIT_CODES.directives) },
  }) as Plugin;
}

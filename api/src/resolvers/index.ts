import {
  accountEnumResolvers,
  accountMutationResolvers,
  accountQueryResolvers,
} from '../accounts/resolvers.ts';
import { enumResolvers } from './enums.ts';
import { messageResolvers } from './message.ts';
import { queryResolvers } from './query.ts';
import { dateTimeScalar } from './scalars.ts';
import { viewerResolvers } from './viewer.ts';

export { createContext, TENANT_HEADER, type ApiContext } from './context.ts';
export { MAX_PAGE_SIZE } from './viewer.ts';

/** Every resolver of the schema in schema/type-defs.ts. */
export const resolvers = {
  DateTime: dateTimeScalar,
  Query: { ...queryResolvers, ...accountQueryResolvers },
  Mutation: accountMutationResolvers,
  Viewer: viewerResolvers,
  Message: messageResolvers,
  ...enumResolvers,
  ...accountEnumResolvers,
};

import {
  accountEnumResolvers,
  accountMutationResolvers,
  accountQueryResolvers,
} from '../accounts/resolvers.ts';
import { enumResolvers } from './enums.ts';
import {
  deliveryEventResolvers,
  messageFieldResolvers,
  messageQueryResolvers,
  subscriptionResolvers,
  viewerMessageResolvers,
} from './messages.ts';
import { queryResolvers } from './query.ts';
import { dateTimeScalar } from './scalars.ts';
import { viewerResolvers } from './viewer.ts';

export { createContext, TENANT_HEADER, type ApiContext } from './context.ts';
export { MAX_PAGE_SIZE } from './messages.ts';

/** Every resolver of the schema in schema/type-defs.ts and schema/messages.ts. */
export const resolvers = {
  DateTime: dateTimeScalar,
  Query: { ...queryResolvers, ...messageQueryResolvers, ...accountQueryResolvers },
  Mutation: accountMutationResolvers,
  Subscription: subscriptionResolvers,
  Viewer: { ...viewerResolvers, ...viewerMessageResolvers },
  Message: messageFieldResolvers,
  DeliveryEvent: deliveryEventResolvers,
  ...enumResolvers,
  ...accountEnumResolvers,
};

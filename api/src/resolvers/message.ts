import {
  listAttempts,
  listRecipients,
  type Attempt,
  type Message,
  type Recipient,
} from '../messages/queries.ts';
import type { ApiContext } from './context.ts';

/**
 * Fields of Message loaded on demand. Scalar fields resolve by name from the Message record.
 * LIMITATION: each message in a page loads its recipients and attempts with its own queries, so a
 * page of 100 asking for both costs 200 queries; batching comes with the web UI's needs.
 */
export const messageResolvers = {
  recipients(message: Message, _args: unknown, context: ApiContext): Promise<Recipient[]> {
    return listRecipients(context.db, message.queueId);
  },

  attempts(message: Message, _args: unknown, context: ApiContext): Promise<Attempt[]> {
    return listAttempts(context.db, message.queueId);
  },
};

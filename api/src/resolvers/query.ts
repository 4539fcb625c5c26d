import type { User } from '../accounts/users.ts';
import { findUserMessage, type Message } from '../messages/queries.ts';
import type { ApiContext } from './context.ts';

/** Root fields. Both need credentials; a message is only ever looked up among the caller's. */
export const queryResolvers = {
  viewer(_parent: unknown, _args: unknown, context: ApiContext): Promise<User> {
    return context.viewer();
  },

  async message(
    _parent: unknown,
    args: { queueId: string },
    context: ApiContext,
  ): Promise<Message | null> {
    const viewer = await context.viewer();
    return findUserMessage(context.db, viewer.id, args.queueId);
  },
};

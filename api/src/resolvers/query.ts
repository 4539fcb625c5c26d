import type { User } from '../accounts/users.ts';
import type { ApiContext } from './context.ts';

/** Root fields of the account; the message log's are in messages.ts. */
export const queryResolvers = {
  viewer(_parent: unknown, _args: unknown, context: ApiContext): Promise<User> {
    return context.viewer();
  },
};

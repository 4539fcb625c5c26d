import type { User } from '../accounts/users.ts';
import { InvalidArgumentError } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../messages/cursor.ts';
import { listUserMessages, type Message } from '../messages/queries.ts';
import type { ApiContext } from './context.ts';

/** Largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;

interface MessageConnection {
  edges: { cursor: string; node: Message }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Fields of Viewer (the User record); address and tenant resolve by name. */
export const viewerResolvers = {
  async messages(
    viewer: User,
    args: { first: number; after?: string | null },
    context: ApiContext,
  ): Promise<MessageConnection> {
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE) {
      throw new InvalidArgumentError('first', `first must be between 1 and ${MAX_PAGE_SIZE}`);
    }
    const after = args.after ? decodeCursor(args.after) : null;

    const page = await listUserMessages(context.db, viewer.id, args.first, after);

    const edges = page.messages.map((node) => ({ cursor: encodeCursor(node), node }));
    const endCursor = edges.at(-1)?.cursor ?? null;
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor } };
  },
};

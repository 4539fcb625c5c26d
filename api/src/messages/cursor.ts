import { InvalidCursorError } from '../errors.ts';

/**
 * Position of a message in "newest first" order: the keyset pagination key. The time is kept in
 * microseconds since the epoch, PostgreSQL's own precision, so no two positions collapse.
 */
export interface MessageCursor {
  /** submitted_at in whole microseconds since 1970-01-01T00:00:00Z, as decimal text. */
  readonly submittedAtUs: string;
  readonly queueId: string;
}

const MICROS = /^-?[0-9]{1,17}$/;

/**
 * Encodes a position as an opaque cursor (base64url of a JSON pair). Clients must treat it as
 * opaque; only its round trip through decodeCursor is promised. A cursor is a position, not a
 * permission: used by another caller it only says where to start in that caller's own messages.
 */
export function encodeCursor(cursor: MessageCursor): string {
  const pair = [cursor.submittedAtUs, cursor.queueId];
  return Buffer.from(JSON.stringify(pair), 'utf8').toString('base64url');
}

/** Decodes a cursor from encodeCursor; throws InvalidCursorError for anything else. */
export function decodeCursor(text: string, argument = 'after'): MessageCursor {
  const invalid = (cause?: unknown) =>
    new InvalidCursorError(argument, `${argument} is not a cursor from this API`, { cause });
  let pair: unknown;
  try {
    pair = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid(error);
  }
  if (!Array.isArray(pair) || pair.length !== 2) throw invalid();
  const [at, queueId] = pair as unknown[];
  if (typeof at !== 'string' || !MICROS.test(at)) throw invalid();
  if (typeof queueId !== 'string' || queueId === '' || queueId.length > 64) throw invalid();
  return { submittedAtUs: at, queueId };
}

import { InvalidArgumentError } from '../errors.ts';

/** Position of a message in "newest first" order: the keyset pagination key. */
export interface MessageCursor {
  readonly submittedAt: Date;
  readonly queueId: string;
}

/**
 * Encodes a position as an opaque cursor (base64url of a JSON pair). Clients must treat it as
 * opaque; only its round trip through decodeCursor is promised.
 */
export function encodeCursor(cursor: MessageCursor): string {
  const pair = [cursor.submittedAt.toISOString(), cursor.queueId];
  return Buffer.from(JSON.stringify(pair), 'utf8').toString('base64url');
}

/** Decodes a cursor from encodeCursor; throws InvalidArgumentError for anything else. */
export function decodeCursor(text: string, argument = 'after'): MessageCursor {
  const invalid = (cause?: unknown) =>
    new InvalidArgumentError(argument, `${argument} is not a cursor from this API`, { cause });
  let pair: unknown;
  try {
    pair = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid(error);
  }
  if (!Array.isArray(pair) || pair.length !== 2) throw invalid();
  const [at, queueId] = pair as unknown[];
  if (typeof at !== 'string' || typeof queueId !== 'string' || queueId === '') throw invalid();
  const submittedAt = new Date(at);
  if (Number.isNaN(submittedAt.getTime())) throw invalid();
  return { submittedAt, queueId };
}

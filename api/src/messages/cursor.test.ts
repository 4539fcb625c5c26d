import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('message cursors', () => {
  it('round-trips the position to the millisecond', () => {
    const position = { submittedAt: new Date('2025-12-03T17:05:01.123Z'), queueId: '01JQ7Z' };
    assert.deepEqual(decodeCursor(encodeCursor(position)), position);
  });

  it('is URL-safe text', () => {
    const cursor = encodeCursor({ submittedAt: new Date(0), queueId: '??>>~~' });
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  });

  for (const [name, text] of [
    ['garbage', 'not a cursor!'],
    ['a JSON object', Buffer.from('{"a":1}').toString('base64url')],
    ['a bad date', Buffer.from('["yesterday","q1"]').toString('base64url')],
    ['an empty queue id', Buffer.from('["2025-01-01T00:00:00.000Z",""]').toString('base64url')],
  ] as const) {
    it(`rejects ${name} as an invalid argument`, () => {
      assert.throws(() => decodeCursor(text), InvalidArgumentError);
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, InvalidCursorError } from '../errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('message cursors', () => {
  it('round-trips the position to the microsecond', () => {
    const position = { submittedAtUs: '1764781501123456', queueId: '01JQ7Z' };
    assert.deepEqual(decodeCursor(encodeCursor(position)), position);
  });

  it('is URL-safe text', () => {
    const cursor = encodeCursor({ submittedAtUs: '0', queueId: '??>>~~' });
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  });

  for (const [name, text] of [
    ['garbage', 'not a cursor!'],
    ['a JSON object', Buffer.from('{"a":1}').toString('base64url')],
    ['a bad time', Buffer.from('["yesterday","q1"]').toString('base64url')],
    ['a fractional time', Buffer.from('["1.5","q1"]').toString('base64url')],
    ['an empty queue id', Buffer.from('["1764781501123456",""]').toString('base64url')],
  ] as const) {
    it(`rejects ${name} as a bad cursor`, () => {
      assert.throws(() => decodeCursor(text), InvalidCursorError);
      assert.throws(() => decodeCursor(text), InvalidArgumentError);
    });
  }
});

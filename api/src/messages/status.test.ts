import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveMessageStatus } from './status.ts';

describe('deriveMessageStatus', () => {
  it('is delivered only when every recipient is delivered', () => {
    assert.equal(deriveMessageStatus(['delivered']), 'delivered');
    assert.equal(deriveMessageStatus(['delivered', 'delivered']), 'delivered');
  });

  it('is bounced only when every recipient bounced', () => {
    assert.equal(deriveMessageStatus(['bounced', 'bounced']), 'bounced');
  });

  it('is partial when all are final but outcomes differ', () => {
    assert.equal(deriveMessageStatus(['delivered', 'bounced']), 'partial');
  });

  it('is deferred as soon as one recipient waits for a retry', () => {
    assert.equal(deriveMessageStatus(['delivered', 'deferred']), 'deferred');
    assert.equal(deriveMessageStatus(['pending', 'deferred', 'bounced']), 'deferred');
  });

  it('is pending while a recipient has no outcome and none is deferred', () => {
    assert.equal(deriveMessageStatus(['delivered', 'pending']), 'pending');
    assert.equal(deriveMessageStatus(['pending']), 'pending');
  });

  it('is pending for a message with no recipient rows', () => {
    assert.equal(deriveMessageStatus([]), 'pending');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatus, formatUntil } from './format.ts';
import { parseDeliveryEvent } from './live.ts';

describe('formatUntil', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  it('says now for a free slot or one due within half a minute', () => {
    assert.equal(formatUntil('2026-03-01T10:00:00Z', now), 'now');
    assert.equal(formatUntil('2026-03-01T09:00:00Z', now), 'now');
  });
  it('counts minutes, then hours', () => {
    assert.equal(formatUntil('2026-03-01T10:01:00Z', now), 'in 1 minute');
    assert.equal(formatUntil('2026-03-01T13:00:00Z', now), 'in 3 hours');
  });
});

describe('formatStatus', () => {
  it('reads an enum value as words', () =>
    assert.equal(formatStatus('TENANT_ADMIN'), 'tenant admin'));
});

describe('parseDeliveryEvent', () => {
  it('reads the event of an SSE next payload', () => {
    const data = JSON.stringify({
      data: { deliveryEvents: { queueId: 'Q', status: 'DELIVERED' } },
    });
    assert.deepEqual(parseDeliveryEvent(data), { queueId: 'Q', status: 'DELIVERED' });
  });
  it('ignores errors and garbage', () => {
    assert.equal(parseDeliveryEvent(JSON.stringify({ errors: [{ message: 'x' }] })), undefined);
    assert.equal(parseDeliveryEvent('not json'), undefined);
  });
});

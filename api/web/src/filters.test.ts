import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_FILTER, toMessageFilter } from './filters.ts';

describe('toMessageFilter', () => {
  it('sends nothing for an empty form', () => {
    assert.deepEqual(toMessageFilter(EMPTY_FILTER), { ok: true, filter: {} });
  });

  it('searches a whole address, or a domain when there is no local part', () => {
    const address = toMessageFilter({ ...EMPTY_FILTER, recipient: ' bob@example.org ' });
    const domain = toMessageFilter({ ...EMPTY_FILTER, recipient: '@example.org' });
    assert.deepEqual(address, { ok: true, filter: { recipient: 'bob@example.org' } });
    assert.deepEqual(domain, { ok: true, filter: { recipientDomain: 'example.org' } });
  });

  it('sends the time range as UTC instants', () => {
    const result = toMessageFilter({
      ...EMPTY_FILTER,
      after: '2026-03-01T10:00:00Z',
      before: '2026-03-02T10:00:00Z',
    });
    assert.deepEqual(result, {
      ok: true,
      filter: {
        submittedAfter: '2026-03-01T10:00:00.000Z',
        submittedBefore: '2026-03-02T10:00:00.000Z',
      },
    });
  });

  it('refuses a range that ends before it starts, naming the field', () => {
    const result = toMessageFilter({
      ...EMPTY_FILTER,
      after: '2026-03-02T10:00:00Z',
      before: '2026-03-01T10:00:00Z',
    });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.field, 'before');
  });

  it('refuses a status the API does not know', () => {
    const result = toMessageFilter({ ...EMPTY_FILTER, status: 'LOST' });
    assert.equal(!result.ok && result.field, 'status');
  });

  it('passes status, ids and subject through', () => {
    const result = toMessageFilter({
      ...EMPTY_FILTER,
      status: 'DELIVERED',
      subjectPrefix: 'Invoice',
      queueId: '01ABC',
      remoteQueueId: '4XyZ',
    });
    assert.deepEqual(result, {
      ok: true,
      filter: {
        status: ['DELIVERED'],
        subjectPrefix: 'Invoice',
        queueId: '01ABC',
        remoteQueueId: '4XyZ',
      },
    });
  });
});

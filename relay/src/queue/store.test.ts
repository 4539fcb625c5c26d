import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  BODY_BUCKET,
  QUEUE_STREAM,
  SMALL_BODY_BUCKET,
  ensureQueueStream,
  parseQueuedMessage,
  queueSubject,
  type QueuedMessage,
} from '#shared';
import { startNats, type NatsInstance } from '../../../scripts/stack/nats.ts';
import { createQueueStore, smallBodyLimit, type QueueStore } from './store.ts';

// Where bodies go and come back from, on a private nats-server: small ones in the KV bucket,
// large ones and those of older entries in the object store.

const TENANT = 'acme';
/** Small enough for a quick test; the relay's own limit comes from the server's max_payload. */
const SMALL_MAX = 1_000;

function entryFor(queueId: string, body: Buffer, store: QueueStore): QueuedMessage {
  return {
    queueId,
    tenant: TENANT,
    kind: 'message',
    sender: 'alice@example.org',
    recipients: ['bob@example.net'],
    authUser: 'alice@example.org',
    smtpUtf8: false,
    body: '7bit',
    size: body.length,
    sha256: '0'.repeat(64),
    messageId: null,
    subject: null,
    submittedAt: new Date().toISOString(),
    about: null,
    attempt: 1,
    notBefore: null,
    confirm: true,
    bodyStore: store.bodyStoreFor(queueId, body.length),
  };
}

describe('queue store: bodies by size', () => {
  let dir: string;
  let nats: NatsInstance;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let objects: ObjectStore;
  let small: KV;
  let store: QueueStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-store-'));
    nats = await startNats({ dir });
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    await ensureQueueStream(jsm);
    objects = await new Objm(nc).create(BODY_BUCKET);
    small = await new Kvm(nc).create(SMALL_BODY_BUCKET, { history: 1 });
    store = createQueueStore(jetstream(nc), { objects, small, smallMaxOctets: SMALL_MAX });
  });

  after(async () => {
    await nc?.close();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The entry as the worker reads it back from the queue stream. */
  async function published(queueId: string): Promise<QueuedMessage> {
    const msg = await jsm.streams.getMessage(QUEUE_STREAM, { last_by_subj: queueSubject(TENANT) });
    const entry = parseQueuedMessage(msg?.json());
    assert.equal(entry.queueId, queueId);
    return entry;
  }

  it('keeps a body up to the limit in the KV bucket, reads it back and deletes it', async () => {
    const body = Buffer.alloc(SMALL_MAX, 'a');
    const entry = entryFor('01SMALL', body, store);
    assert.equal(entry.bodyStore, 'kv');
    await store.enqueue(entry, body, '01SMALL.1');
    const queued = await published('01SMALL');
    assert.equal(queued.bodyStore, 'kv');
    assert.deepEqual(await store.readBody(queued), body);
    assert.equal(await objects.info('01SMALL'), null, 'nothing in the object store');
    await store.removeBody(queued);
    assert.equal(await store.readBody(queued), null);
  });

  it('keeps a body over the limit in the object store', async () => {
    const body = Buffer.alloc(SMALL_MAX + 1, 'b');
    const entry = entryFor('01LARGE', body, store);
    assert.equal(entry.bodyStore, 'object');
    await store.enqueue(entry, body, '01LARGE.1');
    const queued = await published('01LARGE');
    assert.deepEqual(await store.readBody(queued), body);
    assert.equal(await small.get('01LARGE'), null, 'nothing in the KV bucket');
    await store.removeBody(queued);
    assert.equal(await store.readBody(queued), null);
  });

  it('reads an entry queued before bodyStore existed from the object store', async () => {
    const body = Buffer.from('Subject: old\r\n\r\nqueued by an older relay\r\n');
    await objects.putBlob({ name: '01OLDER' }, body);
    const older: Partial<QueuedMessage> = entryFor('01OLDER', body, store);
    delete older.bodyStore;
    await jetstream(nc).publish(queueSubject(TENANT), JSON.stringify(older), {
      msgID: '01OLDER.1',
    });
    const queued = await published('01OLDER');
    assert.equal(queued.bodyStore, 'object');
    assert.deepEqual(await store.readBody(queued), body);
  });

  it('sends a queue id that is no valid KV key to the object store, whatever its size', () => {
    assert.equal(store.bodyStoreFor('Q 1', 10), 'object');
    assert.equal(store.bodyStoreFor('Q1', 10), 'kv');
  });

  it("leaves room for a KV put's headers below the server's max_payload", () => {
    assert.equal(smallBodyLimit(1024 * 1024), 1024 * 1024 - 4096);
    assert.equal(smallBodyLimit(), smallBodyLimit(1024 * 1024));
    assert.equal(smallBodyLimit(1000), 0);
  });
});

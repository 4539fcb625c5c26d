import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import {
  INGEST_CONSUMER,
  TRANSCRIPT_STREAM,
  parseTranscript,
  transcriptSubject,
  type Transcript,
} from '#shared';
import {
  APP_ROLE,
  createPool,
  createTenant,
  createUser,
  runMigrations,
  startIngest,
  type Ingest,
} from '../api/src/index.ts';
import { createBatchStore } from '../api/src/ingest/batch-store.ts';
import { LEVEL, createCaptureLog } from '../api/src/testing/capture-log.ts';
import { startTestStack, type TestStack } from '../api/src/testing/stack.ts';
import { buildTranscript } from '../api/src/testing/transcripts.ts';
import { freePort, waitFor } from '../scripts/stack/process.ts';

const TERMINATED_ADVISORY = `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${TRANSCRIPT_STREAM}.${INGEST_CONSUMER}`;

describe('transcript ingest', () => {
  let stack: TestStack;
  let pool: Pool;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let ingest: Ingest;
  const { log, lines } = createCaptureLog();

  before(async () => {
    stack = await startTestStack();
    await runMigrations(stack.databaseUrl, log);
    pool = createPool(stack.databaseUrl, log);
    nc = await connect({ servers: stack.natsUrl });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
    ingest = await startIngest(nc, pool, log, { retryDelayMs: 200 });
    await createTenant(pool, 'acme', 'Acme Corp');
    await createUser(pool, 'acme', 'alice@example.com', 'correct horse battery');
  });

  after(async () => {
    await ingest?.stop();
    await nc?.drain();
    await pool?.end();
    await stack?.stop();
  });

  const publish = (record: unknown, msgID?: string) => {
    const tenant = (record as Transcript).tenant ?? 'acme';
    return js.publish(transcriptSubject(tenant), JSON.stringify(record), msgID ? { msgID } : {});
  };

  /** Waits until the consumer has delivered and settled everything in the stream. */
  const waitForIngest = () =>
    waitFor('ingest to settle every record', async () => {
      const info = await jsm.consumers.info(TRANSCRIPT_STREAM, INGEST_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });

  const count = async (sql: string, params: unknown[]) =>
    Number((await pool.query<{ n: string }>(sql, params)).rows[0]?.n);

  it('builds fixtures the shared schema accepts', () => {
    const record = buildTranscript({ queueId: 'Q0', attemptId: 'A0' });
    assert.deepEqual(parseTranscript(JSON.parse(JSON.stringify(record))), record);
  });

  it('stores a record published twice as one attempt, linked to its user', async () => {
    const record = buildTranscript({ queueId: 'Q-TWICE', attemptId: 'Q-TWICE.1' });

    const first = await publish(record, record.attemptId);
    const dedup = await publish(record, record.attemptId);
    // After JetStream's duplicate window a re-publish is a new stream message: ingest must cope.
    const late = await publish(record);
    await waitForIngest();

    assert.equal(dedup.duplicate, true);
    assert.notEqual(late.seq, first.seq);
    assert.equal(
      await count('SELECT count(*) AS n FROM attempts WHERE queue_id = $1', ['Q-TWICE']),
      1,
    );
    const message = await pool.query(
      `SELECT m.status, m.sender, m.auth_user, u.address AS owner, t.display_name
         FROM messages m JOIN users u ON u.id = m.user_id JOIN tenants t ON t.id = m.tenant_id
        WHERE m.queue_id = $1`,
      ['Q-TWICE'],
    );
    assert.deepEqual(message.rows, [
      {
        status: 'delivered',
        sender: 'alice@example.com',
        auth_user: 'alice@example.com',
        owner: 'alice@example.com',
        display_name: 'Acme Corp',
      },
    ]);
    const recipient = await pool.query(
      'SELECT status, remote_queue_id, last_reply FROM recipients WHERE queue_id = $1',
      ['Q-TWICE'],
    );
    assert.deepEqual(recipient.rows, [
      {
        status: 'delivered',
        remote_queue_id: '4XyZ123',
        last_reply: { code: 250, enhanced: '2.0.0', lines: ['250 2.0.0 Ok: queued as 4XyZ123'] },
      },
    ]);
    const stored = await pool.query('SELECT record FROM attempts WHERE attempt_id = $1', [
      'Q-TWICE.1',
    ]);
    assert.deepEqual(stored.rows[0]?.record, record);
  });

  it('creates a missing tenant from the record', async () => {
    await publish(buildTranscript({ tenant: 'globex', queueId: 'Q-GLOBEX', attemptId: 'G.1' }));
    await waitForIngest();

    const tenant = await pool.query('SELECT id, display_name FROM tenants WHERE id = $1', [
      'globex',
    ]);
    assert.deepEqual(tenant.rows, [{ id: 'globex', display_name: 'globex' }]);
    const owner = await pool.query('SELECT user_id FROM messages WHERE queue_id = $1', [
      'Q-GLOBEX',
    ]);
    assert.deepEqual(owner.rows, [{ user_id: null }]);
  });

  it(
    'terminates and logs an invalid record, and stores the next valid one',
    { timeout: 30_000 },
    async () => {
      const terminated = nc.subscribe(TERMINATED_ADVISORY, { max: 2 });
      const events = (async () => {
        const seqs: number[] = [];
        for await (const m of terminated) seqs.push(m.json<{ stream_seq: number }>().stream_seq);
        return seqs;
      })();

      const notJson = await js.publish(transcriptSubject('acme'), 'not json {');
      const bad = await publish({
        schema: 1,
        tenant: 'acme',
        attemptId: 'BAD.1',
        queueId: 'Q-BAD',
      });
      await publish(buildTranscript({ queueId: 'Q-AFTER-BAD', attemptId: 'Q-AFTER-BAD.1' }));
      await waitForIngest();

      assert.deepEqual(await events, [notJson.seq, bad.seq]);
      assert.equal(
        await count('SELECT count(*) AS n FROM attempts WHERE queue_id = $1', ['Q-AFTER-BAD']),
        1,
      );
      assert.equal(
        await count('SELECT count(*) AS n FROM messages WHERE queue_id = $1', ['Q-BAD']),
        0,
      );
      const logged = lines.filter((l) => l.msg === 'invalid transcript record; terminated');
      assert.deepEqual(
        logged.map((l) => [l.level, l.seq]),
        [
          [LEVEL.error, notJson.seq],
          [LEVEL.error, bad.seq],
        ],
      );
      assert.ok((logged[1]?.issues as string[]).some((i) => i.startsWith('message:')));
    },
  );

  it('terminates a record whose tenant differs from its subject', async () => {
    const record = buildTranscript({ tenant: 'globex', queueId: 'Q-SPOOF', attemptId: 'S.1' });
    await js.publish(transcriptSubject('acme'), JSON.stringify(record));
    await waitForIngest();

    assert.equal(
      await count('SELECT count(*) AS n FROM messages WHERE queue_id = $1', ['Q-SPOOF']),
      0,
    );
    const logged = lines.find(
      (l) =>
        l.msg === 'invalid transcript record; terminated' &&
        (l.issues as string[])[0]?.startsWith('tenant:'),
    );
    assert.ok(logged, 'the mismatch is logged');
  });

  it("refuses a record reusing another tenant's queue id", async () => {
    await publish(buildTranscript({ tenant: 'acme', queueId: 'Q-SHARED', attemptId: 'SH.1' }));
    await publish(buildTranscript({ tenant: 'globex', queueId: 'Q-SHARED', attemptId: 'SH.2' }));
    await waitForIngest();

    const attempts = await pool.query('SELECT attempt_id FROM attempts WHERE queue_id = $1', [
      'Q-SHARED',
    ]);
    assert.deepEqual(attempts.rows, [{ attempt_id: 'SH.1' }]);
    assert.ok(lines.some((l) => l.level === LEVEL.error && l.msg?.includes('another tenant')));
  });

  it('keeps the newer outcome when an older attempt arrives late', async () => {
    const queueId = 'Q-LATE';
    const retry = { queueId, attempt: 2, startedAt: '2025-12-03T17:20:00.000Z' };
    // Attempt 2 (delivered) arrives before attempt 1 (greylisted), and within attempt 2 the
    // second MX host's success arrives before the first host's failure.
    await publish(buildTranscript({ ...retry, attemptId: 'L.2.1', hostIndex: 1 }));
    await publish(
      buildTranscript({
        ...retry,
        attemptId: 'L.2.0',
        hostIndex: 0,
        status: 'deferred',
        startedAt: '2025-12-03T17:19:59.000Z',
      }),
    );
    await publish(buildTranscript({ queueId, attemptId: 'L.1.0', status: 'deferred' }));
    await waitForIngest();

    const recipient = await pool.query(
      'SELECT status, remote_queue_id, attempt_id FROM recipients WHERE queue_id = $1',
      [queueId],
    );
    assert.deepEqual(recipient.rows, [
      { status: 'delivered', remote_queue_id: '4XyZ123', attempt_id: 'L.2.1' },
    ]);
    assert.equal(
      await count('SELECT count(*) AS n FROM attempts WHERE queue_id = $1', [queueId]),
      3,
    );
    const message = await pool.query('SELECT status FROM messages WHERE queue_id = $1', [queueId]);
    assert.equal(message.rows[0]?.status, 'delivered');
  });

  it('derives the message status from every envelope recipient', async () => {
    const queueId = 'Q-TWO-DOMAINS';
    const envelope = ['bob@example.net', 'carol@example.org'];
    const statusOf = async () =>
      (await pool.query('SELECT status FROM messages WHERE queue_id = $1', [queueId])).rows[0]
        ?.status;

    await publish(buildTranscript({ queueId, envelope, attemptId: 'TD.net' }));
    await waitForIngest();
    const whileCarolPending = await statusOf();
    await publish(
      buildTranscript({
        queueId,
        envelope,
        attemptId: 'TD.org',
        recipient: 'carol@example.org',
        status: 'deferred',
      }),
    );
    await waitForIngest();
    const whileCarolDeferred = await statusOf();
    await publish(
      buildTranscript({
        queueId,
        envelope,
        attemptId: 'TD.org.2',
        recipient: 'carol@example.org',
        status: 'bounced',
        attempt: 2,
      }),
    );
    await waitForIngest();

    assert.deepEqual(
      [whileCarolPending, whileCarolDeferred, await statusOf()],
      ['pending', 'deferred', 'partial'],
    );
  });

  it('stores records handed in together in one transaction, each with its own outcome', async () => {
    // As the API connects: zajoni_app, under row-level security.
    const appPool = createPool(stack.databaseUrl, log, { role: APP_ROLE });
    let checkouts = 0;
    appPool.on('acquire', () => void (checkouts += 1));
    const store = createBatchStore(appPool);
    const envelope = ['bob@example.net', 'carol@example.org'];
    const late = { queueId: 'B-LATE', startedAt: '2025-12-03T17:20:00.000Z' };
    const burst = [
      buildTranscript({ queueId: 'B-TWO', envelope, attemptId: 'B.net' }),
      buildTranscript({ queueId: 'B-ONE', attemptId: 'B.one' }),
      buildTranscript({ ...late, attemptId: 'B.late.2', attempt: 2 }),
      buildTranscript({ queueId: 'B-ONE', attemptId: 'B.one' }),
      buildTranscript({
        queueId: 'B-TWO',
        envelope,
        attemptId: 'B.org',
        recipient: 'carol@example.org',
        status: 'deferred',
      }),
      buildTranscript({ queueId: 'B-LATE', attemptId: 'B.late.1', status: 'deferred' }),
    ];

    const outcomes = await Promise.all(burst.map((record) => store(record)));
    const oneTransaction = checkouts;
    // A queue id another tenant holds fails alone; the records beside it are stored.
    await store(buildTranscript({ tenant: 'globex', queueId: 'B-HELD', attemptId: 'BH.1' }));
    const mixed = await Promise.allSettled([
      store(buildTranscript({ queueId: 'B-HELD', attemptId: 'BH.2' })),
      store(buildTranscript({ queueId: 'B-FREE', attemptId: 'BF.1' })),
    ]);
    await appPool.end();

    assert.equal(oneTransaction, 1);
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'stored' ? o.status : o.kind)),
      ['pending', 'delivered', 'delivered', 'duplicate', 'deferred', 'delivered'],
    );
    const messages = await pool.query(
      `SELECT queue_id, status, user_id IS NOT NULL AS linked,
          (SELECT count(*)::int FROM attempts a WHERE a.queue_id = m.queue_id) AS attempts
         FROM messages m WHERE queue_id LIKE 'B-%' ORDER BY queue_id`,
    );
    assert.deepEqual(messages.rows, [
      { queue_id: 'B-FREE', status: 'delivered', linked: true, attempts: 1 },
      { queue_id: 'B-HELD', status: 'delivered', linked: false, attempts: 1 },
      { queue_id: 'B-LATE', status: 'delivered', linked: true, attempts: 2 },
      { queue_id: 'B-ONE', status: 'delivered', linked: true, attempts: 1 },
      { queue_id: 'B-TWO', status: 'deferred', linked: true, attempts: 2 },
    ]);
    const recipients = await pool.query(
      `SELECT queue_id, address, position, status, attempt_id FROM recipients
        WHERE queue_id IN ('B-TWO', 'B-LATE') ORDER BY queue_id, address`,
    );
    assert.deepEqual(recipients.rows, [
      {
        queue_id: 'B-LATE',
        address: 'bob@example.net',
        position: 0,
        status: 'delivered',
        attempt_id: 'B.late.2',
      },
      {
        queue_id: 'B-TWO',
        address: 'bob@example.net',
        position: 0,
        status: 'delivered',
        attempt_id: 'B.net',
      },
      {
        queue_id: 'B-TWO',
        address: 'carol@example.org',
        position: 1,
        status: 'deferred',
        attempt_id: 'B.org',
      },
    ]);
    assert.equal(mixed[0].status, 'rejected');
    assert.equal(
      mixed[0].status === 'rejected' && (mixed[0].reason as Error).name,
      'QueueIdConflictError',
    );
    assert.equal(mixed[1].status === 'fulfilled' && mixed[1].value.kind, 'stored');
  });

  it('naks while the database is down and stores the record once it is back', async () => {
    await ingest.stop();
    const deadPool = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/zajoni`, log);
    const broken = await startIngest(nc, deadPool, log, { retryDelayMs: 100 });
    const record = buildTranscript({ queueId: 'Q-DB-DOWN', attemptId: 'DB.1' });

    await publish(record, record.attemptId);
    await waitFor('two failed deliveries', () =>
      lines.some((l) => l.msg === 'cannot store transcript; will retry' && l.deliveries === 2),
    );
    await broken.stop();
    await deadPool.end();
    ingest = await startIngest(nc, pool, log, { retryDelayMs: 200 });
    await waitForIngest();

    const retried = lines.filter((l) => l.msg === 'cannot store transcript; will retry');
    assert.ok(retried.every((l) => l.level === LEVEL.warn && l.attemptId === 'DB.1'));
    assert.equal(
      await count('SELECT count(*) AS n FROM attempts WHERE attempt_id = $1', ['DB.1']),
      1,
    );
  });
});

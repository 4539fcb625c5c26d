import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import {
  INGEST_CONSUMER,
  QUOTA_BUCKET,
  TRANSCRIPT_STREAM,
  quotaKey,
  transcriptSubject,
  type Transcript,
} from '#shared';
import {
  APP_ROLE,
  LIMIT_CODES,
  createPlatformAdmin,
  createPool,
  createTenant,
  createUser,
  parseApiConfig,
  startApi,
  startRetention,
  storeTranscript,
  withTenant,
  type RunningApi,
  type User,
} from '../api/src/index.ts';
import { createMessageService } from '../api/src/messages/service.ts';
import { createCaptureLog } from '../api/src/testing/capture-log.ts';
import { startTestStack, type TestStack } from '../api/src/testing/stack.ts';
import { buildTranscript, type TranscriptOptions } from '../api/src/testing/transcripts.ts';
import { freePort, waitFor } from '../scripts/stack/process.ts';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

interface Page {
  edges: { cursor: string; node: { queueId: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PASSWORD = 'correct horse battery';
const QUOTA_LIMIT = 3;
const QUOTA_WINDOW_MS = 3_600_000;

const now = () => new Date().toISOString();

const basic = (user: string) =>
  `Basic ${Buffer.from(`${user}:${PASSWORD}`, 'utf8').toString('base64')}`;

const MESSAGES_QUERY = /* GraphQL */ `
  query ($first: Int, $after: String, $filter: MessageFilter) {
    messages(first: $first, after: $after, filter: $filter) {
      edges {
        cursor
        node {
          queueId
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/** MESSAGES_QUERY with the tenant argument (platform admins must give it). */
const MESSAGES_QUERY_FOR = /* GraphQL */ `
  query ($first: Int, $tenant: String) {
    messages(first: $first, tenant: $tenant) {
      edges {
        cursor
        node {
          queueId
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

/** One message: its record, with the fields the filters look at varied per message. */
function record(
  options: TranscriptOptions & { sender?: string; remoteQueueId?: string },
): Transcript {
  const built = buildTranscript(options);
  const remote = options.remoteQueueId ?? built.remoteQueueId;
  return {
    ...built,
    message: { ...built.message, sender: options.sender ?? built.message.sender },
    remoteQueueId: remote,
    recipients: built.recipients.map((r) => ({ ...r, remoteQueueId: r.remoteQueueId && remote })),
  };
}

describe('message log', () => {
  let stack: TestStack;
  let api: RunningApi;
  let owner: Pool;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let alice: User;
  const { log, lines } = createCaptureLog();

  before(async () => {
    stack = await startTestStack();
    const env = {
      DATABASE_URL: stack.databaseUrl,
      NATS_URL: stack.natsUrl,
      API_PORT: String(await freePort()),
      QUOTA_DAILY_LIMIT: String(QUOTA_LIMIT),
      QUOTA_WINDOW_MS: String(QUOTA_WINDOW_MS),
    };
    api = await startApi(parseApiConfig(env), log, { retryDelayMs: 200 });
    owner = createPool(stack.databaseUrl, log);
    nc = await connect({ servers: stack.natsUrl });
    jsm = await jetstreamManager(nc);
    await createTenant(owner, 'acme');
    await createTenant(owner, 'globex');
    alice = await createUser(owner, 'acme', 'alice@example.com', PASSWORD);
    for (const address of ['bob@example.com', 'kim@example.com']) {
      await createUser(owner, 'acme', address, PASSWORD);
    }
    await createUser(owner, 'globex', 'gina@globex.example', PASSWORD);
  });

  after(async () => {
    await nc?.drain();
    await owner?.end();
    await api?.stop();
    await stack?.stop();
  });

  async function gql(user: string, query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(user) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLBody;
  }

  async function page(user: string, variables: Record<string, unknown>): Promise<Page> {
    const body = await gql(user, MESSAGES_QUERY, variables);
    const logged = lines.filter((l) => l.msg === 'graphql field failed').at(-1);
    assert.equal(body.errors, undefined, JSON.stringify([body.errors, logged]));
    return body.data?.['messages'] as Page;
  }

  async function allQueueIds(user: string, filter: Record<string, unknown> = {}) {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: Page = await page(user, { first: 100, after, filter });
      ids.push(...result.edges.map((e) => e.node.queueId));
      if (!result.pageInfo.hasNextPage) return ids;
      after = result.pageInfo.endCursor;
    }
  }

  /** Publishes records through JetStream and waits until ingest has settled all of them. */
  async function ingest(records: Transcript[]) {
    const js = jetstream(nc);
    for (const r of records) {
      await js.publish(transcriptSubject(r.tenant), JSON.stringify(r), { msgID: r.attemptId });
    }
    await waitFor('ingest to settle every record', async () => {
      const info = await jsm.consumers.info(TRANSCRIPT_STREAM, INGEST_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
  }

  it('returns exactly the matching messages for each filter', async () => {
    // Recent: a deferral newer than the relay's lifetime (5 days) is still DEFERRED.
    const base = Date.now() - 3_600_000;
    const at = (minute: number) => new Date(base + minute * 60_000).toISOString();
    await ingest([
      record({ queueId: 'F-1', attemptId: 'F-1.1', submittedAt: at(1), subject: 'Invoice 1' }),
      record({
        queueId: 'F-2',
        attemptId: 'F-2.1',
        submittedAt: at(2),
        recipient: 'Carol@Other.example',
        subject: 'invoice 2',
        remoteQueueId: 'REMOTE-2',
      }),
      record({
        queueId: 'F-3',
        attemptId: 'F-3.1',
        submittedAt: at(3),
        status: 'deferred',
        subject: '100% sure',
      }),
      record({ queueId: 'F-4', attemptId: 'F-4.1', submittedAt: at(4), status: 'bounced' }),
      record({ queueId: 'F-5', attemptId: 'F-5.1', submittedAt: at(5), sender: '' }),
      // An old deferral: the relay stopped retrying it long ago.
      record({
        queueId: 'F-6',
        attemptId: 'F-6.1',
        submittedAt: '2020-01-01T00:00:00.000Z',
        status: 'deferred',
      }),
      // Bob's, in the same tenant: never in alice's results.
      record({ queueId: 'F-B', attemptId: 'F-B.1', authUser: 'bob@example.com' }),
    ]);

    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ['F-5', 'F-4', 'F-3', 'F-2', 'F-1', 'F-6']],
      [{ recipient: 'carol@other.EXAMPLE' }, ['F-2']],
      [{ recipientDomain: '@OTHER.example' }, ['F-2']],
      [{ recipientDomain: 'example.net' }, ['F-5', 'F-4', 'F-3', 'F-1', 'F-6']],
      [{ status: ['BOUNCED'] }, ['F-4']],
      [{ status: ['DEFERRED'] }, ['F-3']],
      [{ status: ['EXPIRED'] }, ['F-6']],
      [{ status: ['DEFERRED', 'EXPIRED'] }, ['F-3', 'F-6']],
      [{ status: [] }, []],
      [{ submittedAfter: at(2), submittedBefore: at(5) }, ['F-4', 'F-3']],
      [{ submittedAfter: at(4) }, ['F-5']],
      [{ submittedBefore: at(1) }, ['F-6']],
      [{ queueId: 'F-3' }, ['F-3']],
      [{ queueId: 'F-B' }, []],
      [{ remoteQueueId: 'REMOTE-2' }, ['F-2']],
      [{ messageId: '<F-4@relay.zajoni.test>' }, ['F-4']],
      [{ messageId: 'F-4@relay.zajoni.test' }, ['F-4']],
      [{ subjectPrefix: 'INVOICE' }, ['F-2', 'F-1']],
      [{ subjectPrefix: '100%' }, ['F-3']],
      [{ subjectPrefix: '1_0' }, []],
      [{ sender: '' }, ['F-5']],
      [{ sender: 'alice@example.com', status: ['DELIVERED'] }, ['F-2', 'F-1']],
    ];
    for (const [filter, expected] of cases) {
      assert.deepEqual(
        await allQueueIds('alice@example.com', filter),
        expected,
        JSON.stringify(filter),
      );
    }
  });

  it('serves message(queueId) with its status derived as EXPIRED after the lifetime', async () => {
    const body = await gql(
      'alice@example.com',
      '{ message(queueId: "F-6") { status attempts { steps { kind } } } }',
    );

    const message = body.data?.['message'] as { status: string; attempts: { steps: unknown[] }[] };
    assert.equal(message.status, 'EXPIRED');
    assert.equal(message.attempts[0]?.steps.length, 9);
  });

  it('pages cover every message once while ingest inserts concurrently', async () => {
    const kim = (i: number, second: number) =>
      record({
        queueId: `K-${String(i).padStart(3, '0')}`,
        attemptId: `K-${i}.1`,
        authUser: 'kim@example.com',
        submittedAt: new Date(Date.UTC(2025, 11, 6, 12, 0, second)).toISOString(),
      });
    // 40 messages, in pairs that share a submission time (ties broken by queue id).
    const initial = Array.from({ length: 40 }, (_, i) => kim(i, Math.floor(i / 2) * 2));
    await ingest(initial);

    // Concurrent ingest: 20 more, interleaved in time with the first 40 ("late" records) or
    // newer than all of them; published while the pages are read.
    const late = Array.from({ length: 20 }, (_, i) => kim(100 + i, i % 2 === 0 ? i * 2 + 1 : 90));
    const js = jetstream(nc);
    const publishing = (async () => {
      for (const r of late) {
        await js.publish(transcriptSubject('acme'), JSON.stringify(r), { msgID: r.attemptId });
      }
    })();
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: Page = await page('kim@example.com', { first: 7, after });
      seen.push(...result.edges.map((e) => e.node.queueId));
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    await publishing;

    assert.equal(new Set(seen).size, seen.length, 'a message appeared twice');
    for (const r of initial) assert.ok(seen.includes(r.queueId), `${r.queueId} skipped`);
    // Newest first throughout, by (submittedAt, queueId).
    const key = (id: string) => {
      const r = [...initial, ...late].find((x) => x.queueId === id);
      return `${r?.message.submittedAt} ${id}`;
    };
    assert.deepEqual(seen.map(key), seen.map(key).toSorted().toReversed());
  });

  it('shows a user of tenant A nothing of tenant B by any query, filter or cursor', async () => {
    await ingest([
      record({
        tenant: 'globex',
        queueId: 'G-1',
        attemptId: 'G-1.1',
        authUser: 'gina@globex.example',
        remoteQueueId: 'REMOTE-G',
        subject: 'Invoice from globex',
      }),
      record({
        tenant: 'globex',
        queueId: 'G-2',
        attemptId: 'G-2.1',
        authUser: 'gina@globex.example',
        submittedAt: '2030-01-01T00:00:00.000Z',
      }),
    ]);
    const gina = await page('gina@globex.example', { first: 1 });
    assert.deepEqual(
      gina.edges.map((e) => e.node.queueId),
      ['G-2'],
    );

    const aliceAll = await allQueueIds('alice@example.com');
    for (const filter of [
      { queueId: 'G-1' },
      { remoteQueueId: 'REMOTE-G' },
      { messageId: 'G-1@relay.zajoni.test' },
      { subjectPrefix: 'Invoice from' },
      { sender: 'gina@globex.example' },
    ]) {
      assert.deepEqual(await allQueueIds('alice@example.com', filter), [], JSON.stringify(filter));
    }
    // B's cursor is only a position: from it, alice gets her own messages after it.
    const fromB = await page('alice@example.com', { first: 100, after: gina.pageInfo.endCursor });
    assert.deepEqual(
      fromB.edges.map((e) => e.node.queueId),
      aliceAll,
    );
    const direct = await gql('alice@example.com', '{ message(queueId: "G-1") { queueId } }');
    assert.deepEqual(direct, { data: { message: null } });
  });

  it('lets a platform admin read one named tenant per query, and an account its own only', async () => {
    await ingest([
      record({
        tenant: 'globex',
        queueId: 'P-G',
        attemptId: 'P-G.1',
        authUser: 'gina@globex.example',
      }),
      record({ tenant: 'acme', queueId: 'P-A', attemptId: 'P-A.1', authUser: 'alice@example.com' }),
    ]);
    const { token } = await createPlatformAdmin(owner, 'ops');
    const asAdmin = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLBody;
    };
    // The owner's pool is not bound by row-level security: name the tenant.
    const stored = async (tenant: string) => {
      const { rows } = await owner.query<{ queue_id: string }>(
        `SELECT queue_id FROM messages WHERE tenant_id = $1
          ORDER BY submitted_at DESC, queue_id DESC`,
        [tenant],
      );
      return rows.map((r) => r.queue_id);
    };
    const idsOf = (body: GraphQLBody) =>
      (body.data?.['messages'] as Page).edges.map((e) => e.node.queueId);
    const one = 'query ($t: String) { message(queueId: "P-G", tenant: $t) { queueId } }';

    const globex = await asAdmin(MESSAGES_QUERY_FOR, { first: 100, tenant: 'globex' });
    const acme = await asAdmin(MESSAGES_QUERY_FOR, { first: 100, tenant: 'acme' });
    const unnamed = await asAdmin(MESSAGES_QUERY_FOR, { first: 100 });
    const found = await asAdmin(one, { t: 'globex' });
    const elsewhere = await asAdmin(one, { t: 'acme' });
    const aliceOwn = await gql('alice@example.com', MESSAGES_QUERY_FOR, {
      first: 100,
      tenant: 'acme',
    });
    const aliceOther = await gql('alice@example.com', MESSAGES_QUERY_FOR, {
      first: 100,
      tenant: 'globex',
    });

    assert.deepEqual(idsOf(globex), await stored('globex'));
    assert.ok(idsOf(globex).includes('P-G'));
    assert.deepEqual(idsOf(acme), await stored('acme'));
    assert.ok(idsOf(acme).includes('P-A') && !idsOf(acme).includes('P-G'));
    assert.deepEqual(unnamed.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.equal(unnamed.errors?.[0]?.extensions?.['argument'], 'tenant');
    assert.deepEqual(found.data, { message: { queueId: 'P-G' } });
    assert.deepEqual(elsewhere.data, { message: null });
    assert.deepEqual(idsOf(aliceOwn), await allQueueIds('alice@example.com'));
    assert.equal(aliceOther.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
  });

  it('row-level security alone keeps tenants apart in raw queries', async () => {
    const restricted = createPool(stack.databaseUrl, log, { role: APP_ROLE });
    try {
      const tenantsOf = (table: string) => async (client: { query: Pool['query'] }) =>
        (await client.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`)).rows.map(
          (r) => r.tenant_id,
        );
      for (const table of ['messages', 'recipients', 'attempts']) {
        const asAcme = await withTenant(restricted, 'acme', tenantsOf(table));
        assert.ok(asAcme.length > 0, `${table}: acme sees its own rows`);
        assert.deepEqual([...new Set(asAcme)], ['acme'], `${table}: acme sees only acme`);
        assert.deepEqual(await tenantsOf(table)(restricted), [], `${table}: no tenant, no rows`);
        // The owner sees both tenants: the rows are there, only the policy hides them.
        const all = await tenantsOf(table)(owner);
        assert.ok(all.includes('globex') && all.includes('acme'));
      }
      const update = await withTenant(restricted, 'acme', (client) =>
        client.query(`UPDATE messages SET subject = 'x' WHERE tenant_id = 'globex'`),
      );
      assert.equal(update.rowCount, 0);
      await assert.rejects(
        withTenant(restricted, 'acme', (client) =>
          client.query(
            `INSERT INTO messages (queue_id, tenant_id, sender, auth_user, size, sha256,
               submitted_at, status)
             VALUES ('X-1', 'globex', '', 'x', 0, 'x', now(), 'pending')`,
          ),
        ),
        /row-level security/,
      );
    } finally {
      await restricted.end();
    }
  });

  it("loads a page's recipients and attempts with one query per tenant, under its RLS", async () => {
    const restricted = createPool(stack.databaseUrl, log, { role: APP_ROLE });
    let checkouts = 0;
    restricted.on('acquire', () => (checkouts += 1));
    try {
      const service = createMessageService(restricted, {
        lifetimeMs: 86_400_000,
        quota: { limit: QUOTA_LIMIT, windowMs: QUOTA_WINDOW_MS },
      });
      const pageOf = async (tenant: string) =>
        (
          await service.list({ tenant, userId: null }, { filter: {}, first: 8, after: null })
        ).edges.map((e) => e.message);
      const messages = [...(await pageOf('acme')), ...(await pageOf('globex'))];
      assert.ok(messages.some((m) => m.tenant === 'globex') && messages.length > 2);
      // Another tenant's queue id, presented as acme's: row-level security must hide its rows.
      const globexMessage = messages.find((m) => m.tenant === 'globex');
      assert.ok(globexMessage);
      const disguised = { ...globexMessage, tenant: 'acme' };

      const loaders = service.loaders();
      checkouts = 0;
      const [recipients, attempts] = await Promise.all([
        Promise.all([...messages, disguised].map((m) => loaders.recipients.load(m))),
        Promise.all([...messages, disguised].map((m) => loaders.attempts.load(m))),
      ]);
      // Two tenants, two fields: four transactions for the whole page.
      assert.equal(checkouts, 4);

      const expected = await owner.query<{ queue_id: string; addresses: string[]; ids: string[] }>(
        `SELECT m.queue_id,
                (SELECT array_agg(address ORDER BY position NULLS LAST, address)
                   FROM recipients r WHERE r.queue_id = m.queue_id) AS addresses,
                (SELECT array_agg(attempt_id ORDER BY started_at, attempt, host_index, attempt_id)
                   FROM attempts a WHERE a.queue_id = m.queue_id) AS ids
           FROM messages m WHERE m.queue_id = ANY($1)`,
        [messages.map((m) => m.queueId)],
      );
      const truth = new Map(expected.rows.map((r) => [r.queue_id, r]));
      messages.forEach((m, i) => {
        const row = truth.get(m.queueId);
        assert.deepEqual(
          recipients[i]?.map((r) => r.address),
          row?.addresses ?? [],
          m.queueId,
        );
        assert.deepEqual(
          attempts[i]?.map((a) => a.attemptId),
          row?.ids ?? [],
          m.queueId,
        );
      });
      assert.ok(recipients.slice(0, -1).some((list) => list.length > 0));
      assert.deepEqual(recipients.at(-1), []);
      assert.deepEqual(attempts.at(-1), []);
    } finally {
      await restricted.end();
    }
  });

  it("streams the caller's own delivery events over SSE, not another user's", async () => {
    const abort = new AbortController();
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: basic('alice@example.com'),
      },
      body: JSON.stringify({
        query: 'subscription { deliveryEvents { queueId status message { queueId status } } }',
      }),
    });
    assert.equal(response.status, 200);
    const events = readSse(response);
    try {
      // The subscription registers while the stream opens: publish until the first event shows.
      let n = 0;
      let first: Record<string, unknown> | undefined;
      while (!first) {
        const queueId = `S-${n++}`;
        await ingest([record({ queueId, attemptId: `${queueId}.1`, submittedAt: now() })]);
        first = await events.next(500);
      }
      assert.equal(
        (
          first['data'] as { deliveryEvents: { queueId: string } }
        ).deliveryEvents.queueId.startsWith('S-'),
        true,
      );
      while (await events.next(200)); // drain events of earlier probes

      // Bob's record is stored before alice's next one; only alice's arrives.
      await ingest([
        record({ queueId: 'S-BOB', attemptId: 'S-BOB.1', authUser: 'bob@example.com' }),
        record({
          queueId: 'S-ALICE',
          attemptId: 'S-ALICE.1',
          status: 'deferred',
          submittedAt: now(),
        }),
      ]);
      const next = await events.next(10_000);
      assert.deepEqual(next?.['data'], {
        deliveryEvents: {
          queueId: 'S-ALICE',
          status: 'DEFERRED',
          // Queried on arrival: the event comes after the commit.
          message: { queueId: 'S-ALICE', status: 'DEFERRED' },
        },
      });
    } finally {
      abort.abort();
    }
  });

  it('refuses over-deep, over-costly, over-aliased and over-long documents with codes', async () => {
    // Fields need not exist: the limit is checked on the document's shape.
    const deep = `{ viewer ${'{ a '.repeat(11)}${'} '.repeat(11)}}`;
    const aliases = `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: viewer { address }`).join(' ')} }`;
    // Each field costs more the deeper it is; 600 deep scalars exceed the cost (about 6,900), not the tokens.
    const costly = `{ messages { edges { node { attempts { steps { reply { ${'lines '.repeat(600)}} } } } } } }`;
    const long = `{ viewer { ${'address '.repeat(2_100)} } }`;

    for (const [query, code] of [
      [deep, LIMIT_CODES.depth],
      [aliases, LIMIT_CODES.aliases],
      [costly, LIMIT_CODES.cost],
      [long, LIMIT_CODES.tokens],
    ] as const) {
      const body = await gql('alice@example.com', query);
      assert.equal(body.data, undefined);
      assert.ok(
        body.errors?.some((e) => e.extensions?.['code'] === code),
        `${code}: ${JSON.stringify(body.errors)}`,
      );
    }
  });

  it('rejects bad filters, cursors and page sizes with their codes', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [
        {
          filter: {
            submittedAfter: '2025-12-05T10:00:00Z',
            submittedBefore: '2025-12-05T09:00:00Z',
          },
        },
        'BAD_USER_INPUT',
        'filter.submittedAfter',
      ],
      [{ filter: { subjectPrefix: 'x'.repeat(257) } }, 'BAD_USER_INPUT', 'filter.subjectPrefix'],
      [{ filter: { recipient: '' } }, 'BAD_USER_INPUT', 'filter.recipient'],
      [{ after: Buffer.from('["1","q"').toString('base64url') }, 'BAD_CURSOR', 'after'],
      [{ first: 101 }, 'PAGE_TOO_LARGE', 'first'],
    ];
    for (const [variables, code, argument] of cases) {
      const body = await gql('alice@example.com', MESSAGES_QUERY, variables);
      assert.equal(body.errors?.[0]?.extensions?.['code'], code, JSON.stringify(variables));
      assert.equal(body.errors?.[0]?.extensions?.['argument'], argument);
    }
  });

  it("reports the caller's quota from the relay's bucket", async () => {
    const kv = await new Kvm(nc).create(QUOTA_BUCKET, { history: 1 });
    const now = Date.now();
    const times = [now - 3_000_000, now - 2_000_000, now - 1_000_000, now - 2 * QUOTA_WINDOW_MS];
    await kv.put(quotaKey(alice.id), JSON.stringify(times));

    const full = await gql('alice@example.com', '{ quota { used limit nextFreeSlot } }');
    const empty = await gql('bob@example.com', '{ quota { used limit } }');

    assert.deepEqual(full.data?.['quota'], {
      used: 3,
      limit: QUOTA_LIMIT,
      nextFreeSlot: new Date(now - 3_000_000 + QUOTA_WINDOW_MS).toISOString(),
    });
    assert.deepEqual(empty.data?.['quota'], { used: 0, limit: QUOTA_LIMIT });
  });

  it('retention deletes only messages older than the tenant keeps them, in batches', async () => {
    await createTenant(owner, 'initech');
    await owner.query(`UPDATE tenants SET retention_days = 30 WHERE id = 'initech'`);
    const day = 24 * 3_600_000;
    for (let i = 0; i < 7; i += 1) {
      const submittedAt = new Date(Date.now() - (31 + i) * day).toISOString();
      await storeTranscript(
        owner,
        record({
          tenant: 'initech',
          queueId: `R-OLD-${i}`,
          attemptId: `R-OLD-${i}.1`,
          submittedAt,
        }),
      );
    }
    for (let i = 0; i < 2; i += 1) {
      const submittedAt = new Date(Date.now() - (29 - i) * day).toISOString();
      await storeTranscript(
        owner,
        record({
          tenant: 'initech',
          queueId: `R-NEW-${i}`,
          attemptId: `R-NEW-${i}.1`,
          submittedAt,
        }),
      );
    }
    const restricted = createPool(stack.databaseUrl, log, { role: APP_ROLE });
    const job = startRetention(restricted, log, { intervalMs: 3_600_000, batchSize: 3 });
    try {
      const before = lines.length;
      const deleted = await job.runOnce();

      const left = await owner.query<{ queue_id: string }>(
        `SELECT queue_id FROM messages WHERE tenant_id = 'initech' ORDER BY queue_id`,
      );
      const orphans = await owner.query(
        `SELECT 1 FROM attempts WHERE tenant_id = 'initech' AND queue_id LIKE 'R-OLD-%'`,
      );
      const batches = lines
        .slice(before)
        .filter((l) => l.msg === 'retention batch' && l['tenant'] === 'initech')
        .map((l) => l['batch']);
      assert.equal(deleted >= 7, true);
      assert.deepEqual(
        left.rows.map((r) => r.queue_id),
        ['R-NEW-0', 'R-NEW-1'],
      );
      assert.equal(orphans.rowCount, 0);
      assert.deepEqual(batches, [3, 3, 1]);
      // The 2020 deferral of acme (retention 90 days) went too; acme's recent ones stayed.
      const acme = await owner.query(
        `SELECT queue_id FROM messages WHERE queue_id IN ('F-6', 'F-1')`,
      );
      assert.deepEqual(
        acme.rows.map((r: { queue_id: string }) => r.queue_id),
        ['F-1'],
      );
    } finally {
      await job.stop();
      await restricted.end();
    }
  });
});

/** Reads `event: next` messages of a graphql-sse stream; next(ms) gives undefined on silence. */
function readSse(response: Response) {
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) throw new Error('no response body');
  const queue: Record<string, unknown>[] = [];
  let buffer = '';
  let pending: Promise<void> | undefined;
  const pump = async () => {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .join('\n');
      if (/^event: next$/m.test(block) && data) queue.push(JSON.parse(data));
    }
  };
  return {
    async next(waitMs: number): Promise<Record<string, unknown> | undefined> {
      const deadline = Date.now() + waitMs;
      while (queue.length === 0 && Date.now() < deadline) {
        pending ??= pump().finally(() => (pending = undefined));
        const timeout = new Promise<void>((resolve) =>
          setTimeout(resolve, Math.max(0, deadline - Date.now())),
        );
        await Promise.race([pending, timeout]);
      }
      return queue.shift();
    },
  };
}

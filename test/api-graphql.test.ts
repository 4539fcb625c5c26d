import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { transcriptSubject } from '#shared';
import {
  TENANT_HEADER,
  createApiYoga,
  createPool,
  createTenant,
  createUser,
  parseApiConfig,
  startApi,
  storeTranscript,
  type RunningApi,
} from '../api/src/index.ts';
import { LEVEL, createCaptureLog } from '../api/src/testing/capture-log.ts';
import { startTestStack, type TestStack } from '../api/src/testing/stack.ts';
import { buildTranscript } from '../api/src/testing/transcripts.ts';
import { freePort, waitFor } from '../scripts/stack/process.ts';

interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

const PASSWORD = 'correct horse battery';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

const MESSAGE_QUERY = /* GraphQL */ `
  query ($queueId: ID!) {
    message(queueId: $queueId) {
      queueId
      sender
      messageId
      subject
      size
      sha256
      submittedAt
      status
      recipients {
        address
        status
        remoteQueueId
        reason
        lastReply {
          code
          enhanced
          lines
        }
      }
      attempts {
        attemptId
        domain
        attempt
        hostIndex
        startedAt
        endedAt
        outcome
        remoteQueueId
        error
        mx {
          host
          ip
          port
          preference
        }
        tls {
          version
          cipher
          verified
          verifyError
          peerSubject
          peerIssuer
          fingerprint256
        }
        finalReply {
          code
          enhanced
          lines
        }
        policy {
          kind
          mode
          id
          mx
        }
        possibleDuplicate
        steps {
          kind
          at
          offsetMs
          elapsedMs
          command
          reply {
            code
            enhanced
            lines
          }
          note
        }
      }
    }
  }
`;

const PAGE_QUERY = /* GraphQL */ `
  query ($first: Int, $after: String) {
    viewer {
      address
      tenant
      messages(first: $first, after: $after) {
        edges {
          cursor
          node {
            queueId
            submittedAt
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

describe('GraphQL API', () => {
  let stack: TestStack;
  let api: RunningApi;
  let pool: Pool;
  let nc: NatsConnection;
  const { log, lines } = createCaptureLog();

  before(async () => {
    stack = await startTestStack();
    const env = {
      DATABASE_URL: stack.databaseUrl,
      NATS_URL: stack.natsUrl,
      API_PORT: String(await freePort()),
    };
    api = await startApi(parseApiConfig(env), log, { retryDelayMs: 200 });
    pool = createPool(stack.databaseUrl, log);
    nc = await connect({ servers: stack.natsUrl });
    await createTenant(pool, 'acme');
    await createTenant(pool, 'globex');
    for (const address of ['alice@example.com', 'bob@example.com', 'pat@example.com']) {
      await createUser(pool, 'acme', address, PASSWORD);
    }
    await createUser(pool, 'acme', 'dora@example.com', PASSWORD);
    await createUser(pool, 'globex', 'dora@example.com', 'another password');
  });

  after(async () => {
    await nc?.drain();
    await pool?.end();
    await api?.stop();
    await stack?.stop();
  });

  async function gql(
    query: string,
    variables: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse> {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const as = (user: string, password = PASSWORD) => ({ authorization: basic(user, password) });

  it('refuses a request without credentials with UNAUTHENTICATED and a Basic challenge', async () => {
    const response = await gql(PAGE_QUERY, {});

    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm="zajoni"/);
    assert.equal(response.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(response.body.errors?.[0]?.extensions?.http, undefined);
  });

  it('refuses a wrong password and an unknown address the same way', async () => {
    const wrong = await gql(PAGE_QUERY, {}, as('alice@example.com', 'wrong password'));
    const unknown = await gql(PAGE_QUERY, {}, as('nobody@example.com'));

    for (const response of [wrong, unknown]) {
      assert.equal(response.status, 401);
      assert.deepEqual(
        response.body.errors?.map((e) => [e.message, e.extensions?.code]),
        [['invalid credentials', 'UNAUTHENTICATED']],
      );
    }
  });

  it('serves a transcript published twice as one attempt to the user who sent it', async () => {
    const record = {
      ...buildTranscript({ queueId: 'Q-MAIN', attemptId: 'Q-MAIN.1' }),
      policy: { kind: 'mta-sts', mode: 'enforce', id: '20260101', mx: ['*.example.net'] },
      possibleDuplicate: true,
    } as const;
    const js = jetstream(nc);
    await js.publish(transcriptSubject('acme'), JSON.stringify(record), {
      msgID: record.attemptId,
    });
    await js.publish(transcriptSubject('acme'), JSON.stringify(record));
    await waitFor('the transcript to be stored', async () => {
      const { rows } = await pool.query('SELECT 1 FROM attempts WHERE queue_id = $1', ['Q-MAIN']);
      return rows.length > 0;
    });
    await waitFor(
      'the duplicate to be acked',
      () =>
        lines.filter((l) => l.msg === 'transcript stored' && l.queueId === 'Q-MAIN').length === 2,
    );

    // The address's domain is case-insensitive.
    const response = await gql(MESSAGE_QUERY, { queueId: 'Q-MAIN' }, as('alice@EXAMPLE.com'));

    assert.equal(response.status, 200);
    assert.equal(response.body.errors, undefined);
    const message = response.body.data?.message as Record<string, unknown> & {
      attempts: Record<string, unknown>[];
    };
    const { attempts, ...fields } = message;
    assert.deepEqual(fields, {
      queueId: 'Q-MAIN',
      sender: 'alice@example.com',
      messageId: 'Q-MAIN@relay.zajoni.test',
      subject: 'Signed contract, as agreed',
      size: 1234,
      sha256: record.message.sha256,
      submittedAt: '2025-12-03T17:05:00.000Z',
      status: 'DELIVERED',
      recipients: [
        {
          address: 'bob@example.net',
          status: 'DELIVERED',
          remoteQueueId: '4XyZ123',
          reason: null,
          lastReply: { code: 250, enhanced: '2.0.0', lines: ['250 2.0.0 Ok: queued as 4XyZ123'] },
        },
      ],
    });
    assert.equal(attempts.length, 1);
    const { steps, ...attempt } = attempts[0] as { steps: Record<string, unknown>[] };
    assert.deepEqual(attempt, {
      attemptId: 'Q-MAIN.1',
      domain: 'example.net',
      attempt: 1,
      hostIndex: 0,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      outcome: 'DELIVERED',
      remoteQueueId: '4XyZ123',
      error: null,
      mx: record.mx,
      tls: record.tls,
      finalReply: { code: 250, enhanced: '2.0.0', lines: ['250 2.0.0 Ok: queued as 4XyZ123'] },
      policy: { kind: 'mta-sts', mode: 'enforce', id: '20260101', mx: ['*.example.net'] },
      possibleDuplicate: true,
    });
    assert.deepEqual(
      steps.map((s) => s.kind),
      record.steps.map((s) => s.kind.toUpperCase()),
    );
    assert.deepEqual(steps.at(-2), { ...record.steps.at(-2), kind: 'MESSAGE' });
  });

  it("does not show one user's message to another", async () => {
    const direct = await gql(MESSAGE_QUERY, { queueId: 'Q-MAIN' }, as('bob@example.com'));
    const listed = await gql(PAGE_QUERY, {}, as('bob@example.com'));

    assert.deepEqual(direct.body, { data: { message: null } });
    assert.deepEqual(listed.body.data?.viewer, {
      address: 'bob@example.com',
      tenant: 'acme',
      messages: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } },
    });
  });

  it('pages through messages newest first, returning each exactly once', async () => {
    // Seven messages; three share a submission time, so the page boundary falls inside a tie.
    const times = ['01', '02', '03', '03', '03', '04', '05'];
    for (const [i, second] of times.entries()) {
      const submittedAt = `2025-12-04T10:00:${second}.000Z`;
      const record = buildTranscript({
        queueId: `P-${i}`,
        attemptId: `P-${i}.1`,
        authUser: 'pat@example.com',
        submittedAt,
      });
      await storeTranscript(pool, record);
    }

    const pages: { queueId: string }[][] = [];
    const more: boolean[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const response = await gql(PAGE_QUERY, { first: 3, after }, as('pat@example.com'));
      const connection = (response.body.data?.viewer as { messages: PageConnection }).messages;
      pages.push(connection.edges.map((e) => e.node));
      more.push(connection.pageInfo.hasNextPage);
      after = connection.pageInfo.endCursor;
    }

    assert.deepEqual(
      pages.map((p) => p.map((m) => m.queueId)),
      [['P-6', 'P-5', 'P-4'], ['P-3', 'P-2', 'P-1'], ['P-0']],
    );
    assert.deepEqual(more, [true, true, false]);
  });

  it('rejects a malformed cursor, a page too large and an empty page with their codes', async () => {
    const badCursor = await gql(PAGE_QUERY, { after: 'bm90IGEgY3Vyc29y' }, as('pat@example.com'));
    const tooMany = await gql(PAGE_QUERY, { first: 101 }, as('pat@example.com'));
    const none = await gql(PAGE_QUERY, { first: 0 }, as('pat@example.com'));

    for (const [response, argument, code] of [
      [badCursor, 'after', 'BAD_CURSOR'],
      [tooMany, 'first', 'PAGE_TOO_LARGE'],
      [none, 'first', 'BAD_USER_INPUT'],
    ] as const) {
      assert.equal(response.body.errors?.[0]?.extensions?.code, code);
      assert.equal(response.body.errors?.[0]?.extensions?.argument, argument);
      assert.deepEqual(response.body.errors?.[0]?.path, ['viewer', 'messages']);
    }
  });

  it('needs the tenant header for an address that has accounts in several tenants', async () => {
    const ambiguous = await gql(PAGE_QUERY, {}, as('dora@example.com'));
    const acme = await gql(PAGE_QUERY, {}, { ...as('dora@example.com'), [TENANT_HEADER]: 'acme' });
    const wrongTenant = await gql(
      PAGE_QUERY,
      {},
      {
        ...as('dora@example.com'),
        [TENANT_HEADER]: 'globex',
      },
    );

    assert.equal(ambiguous.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal((acme.body.data?.viewer as { tenant: string }).tenant, 'acme');
    assert.equal(wrongTenant.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  it('answers /healthz with ok while PostgreSQL answers', async () => {
    const response = await fetch(`${api.url}/healthz`);

    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
  });

  it('masks unexpected failures for the client and logs them with the request id', async () => {
    const deadPool = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/zajoni`, log);
    const yoga = createApiYoga(deadPool, log);
    try {
      const response = await yoga.fetch('http://api.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...as('alice@example.com') },
        body: JSON.stringify({ query: '{ viewer { address } }' }),
      });
      const health = await yoga.fetch('http://api.test/healthz');

      const body = (await response.json()) as GraphQLResponse['body'];
      assert.deepEqual(body.errors, [
        {
          message: 'Unexpected error.',
          locations: [{ line: 1, column: 3 }],
          path: ['viewer'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      const logged = lines.find((l) => l.msg === 'graphql field failed');
      assert.equal(logged?.level, LEVEL.error);
      assert.equal(typeof logged?.requestId, 'string');
      assert.match(JSON.stringify(logged?.err), /ECONNREFUSED/);
      assert.equal(health.status, 503);
      assert.equal(await health.text(), 'unavailable');
    } finally {
      await deadPool.end();
    }
  });
});

interface PageConnection {
  edges: { cursor: string; node: { queueId: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

import pg from 'pg';
import { APP_ROLE } from '../api/src/db/pool.ts';
import { withTenant } from '../api/src/db/tenant-scope.ts';
import { encodeCursor, type MessageCursor } from '../api/src/messages/cursor.ts';
import type { MessageFilter } from '../api/src/messages/filter.ts';
import { listMessages } from '../api/src/messages/queries.ts';
import { graphql } from '../scripts/stack/zajoni.ts';
import { nowMs, percentile } from './stats.ts';
import { BENCH, benchUser, type ZajoniSystem } from './systems.ts';

/** Latency of one kind of request, in ms. */
export interface Latency {
  readonly name: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

export interface GraphqlResult {
  /** Messages the queried user owns when measured. */
  readonly rows: number;
  readonly loadSeconds: number;
  readonly latencies: Latency[];
}

const PAGE_QUERY = /* GraphQL */ `
  query Page($after: String, $filter: MessageFilter) {
    viewer {
      messages(first: 20, after: $after, filter: $filter) {
        edges {
          cursor
          node {
            queueId
            subject
            status
            submittedAt
            recipients {
              address
              status
            }
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

const SIGN_IN = /* GraphQL */ `
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      token
    }
  }
`;

/** One timed listing: a filter and a cursor, the same over GraphQL and as bare SQL. */
interface Listing {
  readonly name: string;
  readonly filter: MessageFilter;
  readonly after: MessageCursor | null;
}

/**
 * Bulk-loads `rows` messages for bench-0 straight into PostgreSQL with generate_series (each
 * with one recipient and one attempt, in the real tables and indexes), then times
 * `viewer.messages` over GraphQL with a session token (signed in once: one argon2 verify, not
 * one per request), and the API's own listing query (listMessages, as zajoni_app under
 * row-level security) without HTTP and GraphQL: the first page, a page in the middle reached by
 * cursor, the first page of one recipient domain (a third of the rows), and of a time range
 * (about 100 messages in the middle).
 */
export async function measureGraphql(
  system: ZajoniSystem,
  options: { rows: number; requests: number },
): Promise<GraphqlResult> {
  const userId = await userIdOf(system, benchUser(0));
  const started = Date.now();
  await bulkLoad(system, userId, options.rows);
  const loadSeconds = (Date.now() - started) / 1000;
  const { rows } = await system.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM messages WHERE user_id = $1',
    [userId],
  );
  const owned = Number(rows[0]?.n ?? 0);
  const middle = await cursorAt(system, userId, Math.floor(owned / 2));
  const at = Number(BigInt(middle.submittedAtUs) / 1000n);
  const listings: Listing[] = [
    { name: 'first page', filter: {}, after: null },
    { name: 'deep page', filter: {}, after: middle },
    { name: 'recipient domain', filter: { recipientDomain: 'example.net' }, after: null },
    {
      name: 'time range',
      filter: {
        submittedAfter: new Date(at - 100 * 60_000),
        submittedBefore: new Date(at + 100 * 60_000),
      },
      after: null,
    },
  ];

  const token = await signIn(system);
  const appDb = new pg.Pool({
    connectionString: system.postgres.url,
    max: 1,
    options: `-c role=${APP_ROLE}`,
  });
  try {
    const latencies: Latency[] = [];
    for (const listing of listings) {
      const variables = {
        after: listing.after ? encodeCursor(listing.after) : null,
        filter: graphqlFilter(listing.filter),
      };
      latencies.push(
        await time(`graphql ${listing.name}`, options.requests, () =>
          bearerGraphql(system.api.graphqlUrl, token, PAGE_QUERY, variables),
        ),
      );
    }
    // The first page as the previous benchmark asked it: one argon2 verify per request.
    const credentials = { address: benchUser(0), password: BENCH.password };
    latencies.push(
      await time('basic-auth graphql first page', options.requests, () =>
        graphql(system.api.graphqlUrl, credentials, PAGE_QUERY, { after: null }),
      ),
    );
    for (const listing of listings) {
      const scope = { tenant: BENCH.tenant, userId };
      const query = {
        filter: listing.filter,
        first: 20,
        after: listing.after,
        expiredBefore: new Date(0),
      };
      latencies.push(
        await time(`sql ${listing.name}`, options.requests, () =>
          withTenant(appDb, BENCH.tenant, (client) => listMessages(client, scope, query)),
        ),
      );
    }
    return { rows: owned, loadSeconds, latencies };
  } finally {
    await appDb.end();
  }
}

/** Opens a session for bench-0 (one argon2 verify) and returns its bearer token. */
async function signIn(system: ZajoniSystem): Promise<string> {
  const input = { tenant: BENCH.tenant, address: benchUser(0), password: BENCH.password };
  const data = await bearerGraphql<{ signIn: { token: string } }>(
    system.api.graphqlUrl,
    null,
    SIGN_IN,
    { input },
  );
  return data.signIn.token;
}

async function bearerGraphql<T>(
  url: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  if (!body.data) throw new Error(`GraphQL answered ${response.status} without data`);
  return body.data;
}

/** The filter as GraphQL variables: instants as ISO text. */
function graphqlFilter(filter: MessageFilter): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(filter).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}

async function time(name: string, requests: number, run: () => Promise<unknown>): Promise<Latency> {
  await run(); // warm-up: connection, plan cache
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const start = nowMs();
    await run();
    samples.push(nowMs() - start);
  }
  return {
    name,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    samples: requests,
  };
}

async function userIdOf(system: ZajoniSystem, address: string): Promise<string> {
  const { rows } = await system.db.query<{ id: string }>(
    'SELECT id FROM users WHERE address = $1',
    [address],
  );
  if (!rows[0]) throw new Error(`no account ${address}`);
  return rows[0].id;
}

async function cursorAt(
  system: ZajoniSystem,
  userId: string,
  offset: number,
): Promise<MessageCursor> {
  const { rows } = await system.db.query<{ us: string; queue_id: string }>(
    `SELECT queue_id, (extract(epoch FROM submitted_at) * 1000000)::bigint::text AS us
      FROM messages WHERE user_id = $1
      ORDER BY submitted_at DESC, queue_id DESC OFFSET $2 LIMIT 1`,
    [userId, offset],
  );
  const row = rows[0];
  if (!row) throw new Error(`no message at offset ${offset}`);
  return { submittedAtUs: row.us, queueId: row.queue_id };
}

const CHUNK = 100_000;

async function bulkLoad(system: ZajoniSystem, userId: string, rows: number): Promise<void> {
  const template = await system.db.query<{ record: unknown; steps: unknown }>(
    'SELECT record, steps FROM attempts LIMIT 1',
  );
  const record = JSON.stringify(template.rows[0]?.record ?? {});
  const steps = JSON.stringify(template.rows[0]?.steps ?? []);
  for (let from = 1; from <= rows; from += CHUNK) {
    const to = Math.min(rows, from + CHUNK - 1);
    const params = [from, to, userId, benchUser(0), BENCH.tenant];
    const series = `generate_series($1::int, $2::int) AS i`;
    // Two minutes apart, ending now; the recipient domain varies over three.
    await system.db.query(
      `INSERT INTO messages (queue_id, tenant_id, user_id, sender, auth_user, message_id_header,
         subject, size, sha256, submitted_at, status)
       SELECT 'bulk-' || i, $5, $3, $4, $4, 'bulk-' || i || '@relay.zajoni.test',
         'bulk message ' || i, 2000, md5(i::text) || md5(i::text),
         now() - make_interval(secs => i * 120), 'delivered'
         FROM ${series}`,
      params,
    );
    // recipients and attempts carry their message's tenant (row-level security needs no join).
    await system.db.query(
      `INSERT INTO recipients (queue_id, tenant_id, address, position, status, remote_queue_id,
         last_reply, attempt_id, attempt, host_index, attempt_started_at)
       SELECT 'bulk-' || i, $3, 'r' || i || '@' || (ARRAY['recipient.test', 'example.net',
         'example.org'])[1 + i % 3], 0, 'delivered', 'Q' || i,
         '{"code":250,"enhanced":"2.0.0","lines":["250 2.0.0 Ok"]}', 'bulk-' || i, 1, 0,
         now() - make_interval(secs => i * 120)
         FROM generate_series($1::int, $2::int) AS i`,
      [from, to, BENCH.tenant],
    );
    await system.db.query(
      `INSERT INTO attempts (attempt_id, queue_id, tenant_id, domain, attempt, host_index,
         started_at, ended_at, outcome, remote_queue_id, steps, recipients, record)
       SELECT 'bulk-' || i, 'bulk-' || i, $5, 'recipient.test', 1, 0,
         now() - make_interval(secs => i * 120), now() - make_interval(secs => i * 120 - 1),
         'delivered', 'Q' || i, $3::jsonb, '[]', $4::jsonb
         FROM generate_series($1::int, $2::int) AS i`,
      [from, to, steps, record, BENCH.tenant],
    );
  }
  await system.db.query('ANALYZE');
}

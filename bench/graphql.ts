import { encodeCursor } from '../api/src/messages/cursor.ts';
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
  query Page($after: String) {
    viewer {
      messages(first: 20, after: $after) {
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

// The SQL that listUserMessages runs, timed without HTTP, GraphQL and the argon2 sign-in.
const PAGE_SQL = `SELECT queue_id, submitted_at FROM messages
  WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (submitted_at, queue_id) < ($2::timestamptz, $3::text))
  ORDER BY submitted_at DESC, queue_id DESC LIMIT 21`;

/**
 * Bulk-loads `rows` messages for bench-0 straight into PostgreSQL with generate_series (each
 * with one recipient and one attempt, in the real tables and indexes), then times the
 * `viewer.messages` query: the first page and a page in the middle, reached by cursor.
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
  const credentials = { address: benchUser(0), password: BENCH.password };
  const ask = (after: string | null) => () =>
    graphql(system.api.graphqlUrl, credentials, PAGE_QUERY, { after });
  const sql = (after: { submittedAt: Date; queueId: string } | null) => () =>
    system.db.query(PAGE_SQL, [userId, after?.submittedAt ?? null, after?.queueId ?? null]);
  const latencies = [
    await time('graphql first page', options.requests, ask(null)),
    await time('graphql deep page', options.requests, ask(encodeCursor(middle))),
    await time('sql first page', options.requests, sql(null)),
    await time('sql deep page', options.requests, sql(middle)),
  ];
  return { rows: owned, loadSeconds, latencies };
}

async function time(name: string, requests: number, run: () => Promise<unknown>) {
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

async function cursorAt(system: ZajoniSystem, userId: string, offset: number) {
  const { rows } = await system.db.query<{ submitted_at: Date; us: string; queue_id: string }>(
    `SELECT submitted_at, queue_id,
        (extract(epoch FROM submitted_at) * 1000000)::bigint::text AS us
      FROM messages WHERE user_id = $1
      ORDER BY submitted_at DESC, queue_id DESC OFFSET $2 LIMIT 1`,
    [userId, offset],
  );
  const row = rows[0];
  if (!row) throw new Error(`no message at offset ${offset}`);
  return { submittedAt: row.submitted_at, submittedAtUs: row.us, queueId: row.queue_id };
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
    await system.db.query(
      `INSERT INTO recipients (queue_id, address, position, status, remote_queue_id, last_reply,
         attempt_id, attempt, host_index, attempt_started_at)
       SELECT 'bulk-' || i, 'r' || i || '@' || (ARRAY['recipient.test', 'example.net',
         'example.org'])[1 + i % 3], 0, 'delivered', 'Q' || i,
         '{"code":250,"enhanced":"2.0.0","lines":["250 2.0.0 Ok"]}', 'bulk-' || i, 1, 0,
         now() - make_interval(secs => i * 120)
         FROM generate_series($1::int, $2::int) AS i`,
      [from, to],
    );
    await system.db.query(
      `INSERT INTO attempts (attempt_id, queue_id, domain, attempt, host_index, started_at,
         ended_at, outcome, remote_queue_id, steps, recipients, record)
       SELECT 'bulk-' || i, 'bulk-' || i, 'recipient.test', 1, 0,
         now() - make_interval(secs => i * 120), now() - make_interval(secs => i * 120 - 1),
         'delivered', 'Q' || i, $3::jsonb, '[]', $4::jsonb
         FROM generate_series($1::int, $2::int) AS i`,
      [from, to, steps, record],
    );
  }
  await system.db.query('ANALYZE');
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pool, PoolClient } from 'pg';
import { APP_ROLE, createPool, runMigrations, withTenant } from '../api/src/index.ts';
import { parseMessageFilter, type MessageFilterInput } from '../api/src/messages/filter.ts';
import { listMessages, type MessageScope } from '../api/src/messages/queries.ts';
import { createCaptureLog } from '../api/src/testing/capture-log.ts';
import { startTestStack, type TestStack } from '../api/src/testing/stack.ts';

// The message log's main filters must be served by indexes once a tenant has real volume. The
// test seeds a few thousand messages, runs ANALYZE so the planner knows their sizes, and reads
// the plans PostgreSQL chooses (EXPLAIN, FORMAT JSON) for the exact SQL the API sends, with its
// parameters, as the API's role under row-level security. The planner is left free: no
// enable_seqscan tricks.

/** Messages seeded for the tenant under test, and for a second tenant beside it. */
const MESSAGES = 20_000;
const OTHER_TENANT_MESSAGES = 5_000;
const USERS = 20;
/** Half the mail goes to one big provider; the rest is spread over this many domains. */
const DOMAINS = 1000;
const DAY_MS = 86_400_000;

/** A plan node as EXPLAIN (FORMAT JSON) gives it. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

describe('message log query plans', () => {
  let stack: TestStack;
  let owner: Pool;
  let app: Pool;
  const { log } = createCaptureLog();

  before(async () => {
    stack = await startTestStack();
    await runMigrations(stack.databaseUrl, log);
    owner = createPool(stack.databaseUrl, log);
    app = createPool(stack.databaseUrl, log, { role: APP_ROLE });
    await seed('acme', MESSAGES);
    await seed('globex', OTHER_TENANT_MESSAGES);
    await owner.query('ANALYZE');
  });

  after(async () => {
    await app?.end();
    await owner?.end();
    await stack?.stop();
  });

  /**
   * `count` delivered messages over the last 90 days, one recipient and one attempt each: half to
   * big.example, the others to d<n>.example, so a small domain holds 0.1 % of the tenant's mail.
   */
  async function seed(tenant: string, count: number) {
    await owner.query("INSERT INTO tenants (id, display_name) VALUES ($1, $1 || ' Ltd')", [tenant]);
    await owner.query(
      `INSERT INTO users (id, tenant_id, address, password_hash)
       SELECT $1 || '-u' || i, $1, 'user' || i || '@' || $1 || '.test', 'x'
         FROM generate_series(0, $2 - 1) AS i`,
      [tenant, USERS],
    );
    await owner.query(
      `INSERT INTO messages (queue_id, tenant_id, user_id, sender, auth_user, message_id_header,
                             subject, size, sha256, submitted_at, status)
       SELECT $1 || '-' || i, $1, $1 || '-u' || (i % $3), 'user' || (i % $3) || '@x.test',
              'user' || (i % $3) || '@x.test', $1 || '-' || i || '@relay.test',
              'Subject ' || i, 1000, 'ab', now() - (i * $4::bigint) * interval '1 millisecond',
              'delivered'
         FROM generate_series(0, $2 - 1) AS i`,
      [tenant, count, USERS, Math.floor((90 * DAY_MS) / count)],
    );
    await owner.query(
      `INSERT INTO recipients (queue_id, tenant_id, address, position, status, remote_queue_id)
       SELECT $1 || '-' || i, $1, 'r' || i || '@' || domain, 0, 'delivered', 'R' || $1 || i
         FROM generate_series(0, $2 - 1) AS i,
              LATERAL (SELECT CASE WHEN i % 2 = 0 THEN 'big.example'
                                   ELSE 'd' || (i % $3) || '.example' END AS domain) AS d`,
      [tenant, count, DOMAINS],
    );
    await owner.query(
      `INSERT INTO attempts (attempt_id, queue_id, tenant_id, domain, attempt, host_index,
                             started_at, ended_at, outcome, remote_queue_id, steps, recipients,
                             record)
       SELECT $1 || '-' || i || '.1', $1 || '-' || i, $1, 'd' || (i % $3) || '.example', 1, 0,
              now(), now(), 'delivered', 'R' || $1 || i, '[]', '[]', '{}'
         FROM generate_series(0, $2 - 1) AS i`,
      [tenant, count, DOMAINS],
    );
  }

  /** The plan of the API's listing query for `scope` and `filter` (first page of 20). */
  async function planOf(scope: MessageScope, input: MessageFilterInput): Promise<PlanNode[]> {
    let sent: { text: string; values: unknown[] } | undefined;
    const recorder = {
      query: (text: string, values: unknown[]) => {
        sent = { text, values };
        return Promise.resolve({ rows: [] });
      },
    } as unknown as PoolClient;
    const query = { filter: parseMessageFilter(input), first: 20, after: null };
    await listMessages(recorder, scope, { ...query, expiredBefore: new Date(0) });
    assert.ok(sent, 'the listing sent a query');
    const statement = sent;
    const { rows } = await withTenant(app, scope.tenant, (client) =>
      client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${statement.text}`,
        statement.values,
      ),
    );
    const plan = rows[0]?.['QUERY PLAN'][0].Plan;
    assert.ok(plan);
    return nodesOf(plan);
  }

  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY_MS);
  const filters: [string, MessageFilterInput][] = [
    ['first page', {}],
    ['small recipient domain', { recipientDomain: 'd7.example' }],
    ['big recipient domain', { recipientDomain: 'BIG.example' }],
    ['recipient', { recipient: 'R1235@d235.example' }],
    ['time range', { submittedAfter: day(31), submittedBefore: day(30) }],
    ['remote queue id', { remoteQueueId: 'Racme1234' }],
    ['Message-ID', { messageId: '<acme-1234@relay.test>' }],
    ['subject prefix', { subjectPrefix: 'Subject 1234' }],
    ['sender', { sender: 'user3@x.test' }],
  ];
  const scopes: [string, MessageScope][] = [
    ['tenant admin', { tenant: 'acme', userId: null }],
    ['user', { tenant: 'acme', userId: 'acme-u3' }],
  ];

  for (const [who, scope] of scopes) {
    for (const [name, filter] of filters) {
      it(`reads a ${who}'s ${name} through indexes, with no sequential scan`, async () => {
        const nodes = await planOf(scope, filter);

        const seqScans = nodes.filter((n) => n['Node Type'] === 'Seq Scan');
        const indexed = nodes.filter((n) => /Index/.test(n['Node Type']));
        const summary = nodes.map((n) =>
          [n['Node Type'], n['Relation Name'], n['Index Name']].filter(Boolean).join(' '),
        );
        assert.deepEqual(
          seqScans.map((n) => n['Relation Name']),
          [],
          summary.join(' > '),
        );
        assert.ok(indexed.length > 0, summary.join(' > '));
      });
    }
  }
});

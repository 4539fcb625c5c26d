import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Pool } from 'pg';
import { QUEUE_STREAM, parseQueuedMessage, queueSubject, type QueuedMessage } from '#shared';
import {
  EXIT,
  createPool,
  parseApiConfig,
  runAdmin,
  startApi,
  storeTranscript,
  type RunningApi,
} from '../api/src/index.ts';
import { createCaptureLog } from '../api/src/testing/capture-log.ts';
import { startTestStack, type TestStack } from '../api/src/testing/stack.ts';
import { buildTranscript } from '../api/src/testing/transcripts.ts';
import { freePort, waitFor } from '../scripts/stack/process.ts';
import { OPS, bearer, errorCode, graphqlClient } from './support/graphql.ts';

const PASSWORD = 'correct horse battery';

/** Failed attempts allowed per account in these tests, and the window that holds them (s). */
const ACCOUNT_LIMIT = 3;
// Long enough to outlast the failed attempts' argon2 verifies on a busy machine.
const WINDOW_SECONDS = 12;

const tenantInput = (id: string, signUp: 'OPEN' | 'INVITE', domains: string[]) => ({
  id,
  displayName: `${id} Ltd`,
  signUp,
  confirmationsDefault: true,
  retentionDays: 30,
  senderDomains: domains,
});

describe('accounts over GraphQL', () => {
  let stack: TestStack;
  let api: RunningApi;
  let pool: Pool;
  let nc: NatsConnection;
  let gql: ReturnType<typeof graphqlClient>['gql'];
  let data: ReturnType<typeof graphqlClient>['data'];
  let admin: Record<string, string>;
  const { log } = createCaptureLog();

  before(async () => {
    stack = await startTestStack();
    const env = {
      DATABASE_URL: stack.databaseUrl,
      NATS_URL: stack.natsUrl,
      API_PORT: String(await freePort()),
      AUTH_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT),
      AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
      CONSOLE_URL: 'https://console.zajoni.test',
      ACCOUNT_MAIL_FROM: 'accounts@zajoni.test',
    };
    api = await startApi(parseApiConfig(env), log, { retryDelayMs: 200 });
    pool = createPool(stack.databaseUrl, log);
    nc = await connect({ servers: stack.natsUrl });
    ({ gql, data } = graphqlClient(`${api.url}/graphql`));

    // The platform admin's token comes from the CLI, printed once on stdout.
    let out = '';
    const status = await runAdmin(['platform-admin', 'create', '--name', 'ops'], {
      env: { DATABASE_URL: stack.databaseUrl, LOG_LEVEL: 'silent' },
      out: (text) => void (out += text),
      err: () => undefined,
      readStdin: async () => '',
    });
    assert.equal(status, EXIT.ok);
    admin = bearer(out.trim());

    await data(OPS.registerTenant, { input: tenantInput('acme', 'OPEN', ['acme.test']) }, admin);
    await data(
      OPS.registerTenant,
      { input: tenantInput('globex', 'INVITE', ['globex.test']) },
      admin,
    );
  });

  after(async () => {
    await nc?.drain();
    await pool?.end();
    await api?.stop();
    await stack?.stop();
  });

  async function signIn(address: string, password = PASSWORD, tenant?: string) {
    const input = { address, password, ...(tenant ? { tenant } : {}) };
    const result = await data<{ signIn: { token: string } }>(OPS.signIn, { input });
    return bearer(result.signIn.token);
  }

  async function createUser(tenant: string, address: string, role = 'USER') {
    const input = { tenant, address, password: PASSWORD, role };
    const result = await data<{ createUser: { id: string } }>(OPS.createUser, { input }, admin);
    return result.createUser.id;
  }

  it('registers a tenant idempotently, and only for the platform admin', async () => {
    const input = tenantInput('initech', 'INVITE', ['Initech.TEST', 'mail.initech.test']);
    const first = await data(OPS.registerTenant, { input }, admin);
    const again = await data(OPS.registerTenant, { input }, admin);
    const renamed = await data<{ registerTenant: { displayName: string } }>(
      OPS.registerTenant,
      { input: { ...input, displayName: 'Initech Corp' } },
      admin,
    );
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM tenants WHERE id = $1', [
      'initech',
    ]);
    const anonymous = await gql(OPS.registerTenant, { input });

    assert.deepEqual(first, again);
    assert.deepEqual(first.registerTenant, {
      id: 'initech',
      displayName: 'initech Ltd',
      signUp: 'INVITE',
      confirmationsDefault: true,
      retentionDays: 30,
      senderDomains: ['initech.test', 'mail.initech.test'],
    });
    assert.equal(renamed.registerTenant.displayName, 'Initech Corp');
    assert.equal(rows[0].n, 1);
    assert.equal(errorCode(anonymous), 'UNAUTHENTICATED');
  });

  it('signs up, signs in, makes an API token and reads its own messages with it', async () => {
    const signedUp = await data<{ signUp: Record<string, unknown> }>(OPS.signUp, {
      input: { tenant: 'acme', address: 'alice@ACME.test', password: PASSWORD },
    });
    const session = await signIn('alice@acme.test');
    const created = await data<{ createApiToken: { token: string; apiToken: { id: string } } }>(
      OPS.createApiToken,
      { name: 'laptop' },
      session,
    );
    const token = bearer(created.createApiToken.token);
    await storeTranscript(
      pool,
      buildTranscript({
        tenant: 'acme',
        authUser: 'alice@acme.test',
        queueId: 'Q-ALICE',
        attemptId: 'Q-ALICE.1',
      }),
    );
    await storeTranscript(
      pool,
      buildTranscript({
        tenant: 'acme',
        authUser: 'someone@acme.test',
        queueId: 'Q-OTHER',
        attemptId: 'Q-OTHER.1',
      }),
    );

    const mine = await data<{
      viewer: { address: string; messages: { edges: { node: { queueId: string } }[] } };
    }>(OPS.myMessages, {}, token);
    const listed = await data<{ apiTokens: { name: string; lastUsedAt: string | null }[] }>(
      OPS.apiTokens,
      {},
      session,
    );

    assert.deepEqual(
      { ...signedUp.signUp, id: undefined },
      {
        id: undefined,
        tenant: 'acme',
        address: 'alice@acme.test',
        role: 'USER',
        confirmations: true,
      },
    );
    assert.equal(mine.viewer.address, 'alice@acme.test');
    assert.deepEqual(
      mine.viewer.messages.edges.map((e) => e.node.queueId),
      ['Q-ALICE'],
    );
    assert.equal(listed.apiTokens.length, 1);
    assert.equal(listed.apiTokens[0]?.name, 'laptop');
    assert.notEqual(listed.apiTokens[0]?.lastUsedAt, null, 'use is recorded');
    const { rows } = await pool.query('SELECT token_hash FROM api_tokens');
    assert.ok(
      rows.every(
        (r: { token_hash: string }) => !created.createApiToken.token.includes(r.token_hash),
      ),
      'only a hash is stored',
    );

    // Revoked and signed out, the tokens stop working.
    await data(OPS.revokeApiToken, { id: created.createApiToken.apiToken.id }, session);
    const revoked = await gql(OPS.me, {}, token);
    const signedOut = await data<{ signOut: boolean }>(OPS.signOut, {}, session);
    const ended = await gql(OPS.me, {}, session);
    assert.equal(errorCode(revoked), 'UNAUTHENTICATED');
    assert.equal(signedOut.signOut, true);
    assert.equal(errorCode(ended), 'UNAUTHENTICATED');
  });

  it('refuses sign-up in an invite-only tenant, and outside the sender domains', async () => {
    const invite = await gql(OPS.signUp, {
      input: { tenant: 'globex', address: 'eve@globex.test', password: PASSWORD },
    });
    const foreign = await gql(OPS.signUp, {
      input: { tenant: 'acme', address: 'eve@elsewhere.test', password: PASSWORD },
    });
    const { rows } = await pool.query("SELECT 1 FROM users WHERE address LIKE 'eve@%'");

    assert.equal(errorCode(invite), 'SIGN_UP_CLOSED');
    assert.match(invite.body.errors?.[0]?.message ?? '', /globex does not take sign-ups/);
    assert.equal(errorCode(foreign), 'BAD_USER_INPUT');
    assert.equal(foreign.body.errors?.[0]?.extensions?.argument, 'address');
    assert.match(foreign.body.errors?.[0]?.message ?? '', /acme\.test/);
    assert.equal(rows.length, 0);
  });

  it("keeps a tenant admin to its own tenant's users, and users out of administration", async () => {
    await createUser('acme', 'boss@acme.test', 'TENANT_ADMIN');
    await createUser('acme', 'worker@acme.test');
    const globexUser = await createUser('globex', 'gina@globex.test');
    await createUser('globex', 'gil@globex.test', 'TENANT_ADMIN');
    const boss = await signIn('boss@acme.test');
    const worker = await signIn('worker@acme.test');
    const gina = await signIn('gina@globex.test');
    const ginaToken = await data<{ createApiToken: { apiToken: { id: string } } }>(
      OPS.createApiToken,
      { name: 'gina' },
      gina,
    );

    const own = await data<{ users: { address: string; tenant: string }[] }>(OPS.users, {}, boss);
    const attempts = [
      gql(OPS.users, { tenant: 'globex' }, boss),
      gql(
        OPS.createUser,
        { input: { tenant: 'globex', address: 'x@globex.test', password: PASSWORD } },
        boss,
      ),
      gql(OPS.registerTenant, { input: tenantInput('globex', 'OPEN', ['acme.test']) }, boss),
      gql(OPS.deregisterTenant, { id: 'globex' }, boss),
      gql(OPS.users, {}, worker),
      gql(OPS.createUser, { input: { address: 'y@acme.test', password: PASSWORD } }, worker),
      gql(OPS.deleteUser, { id: globexUser }, worker),
    ];
    const refused = await Promise.all(attempts);
    const deleteOther = await data<{ deleteUser: boolean }>(
      OPS.deleteUser,
      { id: globexUser },
      boss,
    );
    const revokeOther = await data<{ revokeApiToken: boolean }>(
      OPS.revokeApiToken,
      { id: ginaToken.createApiToken.apiToken.id },
      boss,
    );
    const { rows } = await pool.query(
      "SELECT address FROM users WHERE tenant_id = 'globex' ORDER BY address",
    );
    const tokens = await pool.query('SELECT 1 FROM api_tokens WHERE id = $1', [
      ginaToken.createApiToken.apiToken.id,
    ]);

    assert.ok(own.users.length >= 3);
    assert.ok(
      own.users.every((u) => u.tenant === 'acme'),
      JSON.stringify(own.users),
    );
    assert.deepEqual(
      refused.map((r) => errorCode(r)),
      Array(attempts.length).fill('FORBIDDEN'),
    );
    assert.equal(deleteOther.deleteUser, false);
    assert.equal(revokeOther.revokeApiToken, false);
    assert.deepEqual(
      rows.map((r: { address: string }) => r.address),
      ['gil@globex.test', 'gina@globex.test'],
    );
    assert.equal(tokens.rows.length, 1);
  });

  it('ends the other sessions when the password changes', async () => {
    await createUser('acme', 'carol@acme.test');
    const here = await signIn('carol@acme.test');
    const there = await signIn('carol@acme.test');

    const wrong = await gql(
      OPS.changePassword,
      { current: 'not it', next: 'new password 1' },
      here,
    );
    await data(OPS.changePassword, { current: PASSWORD, next: 'new password 1' }, here);

    assert.equal(errorCode(wrong), 'BAD_USER_INPUT');
    assert.equal((await data<{ me: { kind: string } }>(OPS.me, {}, here)).me.kind, 'USER');
    assert.equal(errorCode(await gql(OPS.me, {}, there)), 'UNAUTHENTICATED');
    await signIn('carol@acme.test', 'new password 1');
  });

  it('locks an account after repeated failed sign-ins, then lets it in once the window ends', async () => {
    await createUser('acme', 'dave@acme.test');
    const input = (password: string) => ({ input: { address: 'dave@acme.test', password } });
    const failures = [];
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) failures.push(await gql(OPS.signIn, input('guess')));

    const locked = await gql(OPS.signIn, input(PASSWORD));

    assert.deepEqual(
      failures.map((f) => errorCode(f)),
      Array(ACCOUNT_LIMIT).fill('UNAUTHENTICATED'),
    );
    assert.equal(errorCode(locked), 'RATE_LIMITED', 'even the right password is refused');
    assert.equal(locked.status, 429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= WINDOW_SECONDS, `Retry-After ${retryAfter}`);
    assert.equal(locked.body.errors?.[0]?.extensions?.retryAfter, retryAfter);
    // Another account from the same address is not locked by dave's failures.
    await signIn('carol@acme.test', 'new password 1');
    await waitFor(
      'the lockout to end',
      async () => errorCode(await gql(OPS.signIn, input(PASSWORD))) === undefined,
      (WINDOW_SECONDS + 10) * 1000,
      500,
    );
  });

  it('answers forgotUsername and requestPasswordReset alike for known and unknown addresses', async () => {
    const known = await gql(OPS.forgotUsername, { address: 'alice@acme.test' });
    const unknown = await gql(OPS.forgotUsername, { address: 'nobody@acme.test' });
    const resetKnown = await gql(OPS.requestPasswordReset, { address: 'alice@acme.test' });
    const resetUnknown = await gql(OPS.requestPasswordReset, { address: 'nobody@acme.test' });

    assert.deepEqual([known.status, known.body], [unknown.status, unknown.body]);
    assert.deepEqual(known.body, { data: { forgotUsername: true } });
    assert.deepEqual(
      [resetKnown.status, resetKnown.body],
      [resetUnknown.status, resetUnknown.body],
    );
    // Only the known address gets mail: two account notices on acme's queue, both to alice.
    const notices = await waitForNotices(2);
    assert.deepEqual(
      notices.map((n) => [n.kind, n.recipients, n.sender, n.confirm, n.subject]).sort(),
      [
        ['account-notice', ['alice@acme.test'], '', false, 'Reset your Zajoni password'],
        ['account-notice', ['alice@acme.test'], '', false, 'Your Zajoni username'],
      ],
    );
  });

  it('deregisters a tenant with its accounts, and says false the second time', async () => {
    await data(OPS.registerTenant, { input: tenantInput('hooli', 'OPEN', ['hooli.test']) }, admin);
    await createUser('hooli', 'hank@hooli.test');

    const first = await data<{ deregisterTenant: boolean }>(
      OPS.deregisterTenant,
      { id: 'hooli' },
      admin,
    );
    const second = await data<{ deregisterTenant: boolean }>(
      OPS.deregisterTenant,
      { id: 'hooli' },
      admin,
    );
    const signIn = await gql(OPS.signIn, {
      input: { address: 'hank@hooli.test', password: PASSWORD },
    });

    assert.deepEqual([first.deregisterTenant, second.deregisterTenant], [true, false]);
    assert.equal(errorCode(signIn), 'UNAUTHENTICATED');
  });

  /** Waits until acme's queue subject holds `count` account notices and returns them. */
  async function waitForNotices(count: number): Promise<QueuedMessage[]> {
    const jsm = await jetstreamManager(nc);
    let notices: QueuedMessage[] = [];
    await waitFor('the account notices to be queued', async () => {
      const info = await jsm.streams.info(QUEUE_STREAM);
      notices = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
        const msg = await jsm.streams.getMessage(QUEUE_STREAM, { seq }).catch(() => null);
        if (msg?.subject !== queueSubject('acme')) continue;
        const entry = parseQueuedMessage(msg.json());
        if (entry.kind === 'account-notice') notices.push(entry);
      }
      return notices.length >= count;
    });
    return notices;
  }
});

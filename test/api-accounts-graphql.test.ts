import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { simpleParser } from 'mailparser';
import type { Pool } from 'pg';
import {
  BODY_BUCKET,
  QUEUE_STREAM,
  parseQueuedMessage,
  queueSubject,
  type QueuedMessage,
} from '#shared';
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
import { OPS, bearer, errorCode, graphqlClient, type GraphQLResponse } from './support/graphql.ts';

const PASSWORD = 'correct horse battery';

/** Failed attempts allowed per account in these tests, and the window that holds them (s). */
const ACCOUNT_LIMIT = 3;
// Long enough to outlast the failed attempts' argon2 verifies on a busy machine.
const WINDOW_SECONDS = 12;

/** Account mails allowed per address and per client address (127.0.0.1 sends under 12). */
const MAILS_PER_ADDRESS = 3;
const MAILS_PER_CLIENT = 12;

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
  let bodies: ObjectStore;
  const texts = new Map<string, string>();
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
      ACCOUNT_MAILS_PER_ADDRESS: String(MAILS_PER_ADDRESS),
      ACCOUNT_MAILS_PER_CLIENT: String(MAILS_PER_CLIENT),
    };
    api = await startApi(parseApiConfig(env), log, { retryDelayMs: 200 });
    pool = createPool(stack.databaseUrl, log);
    nc = await connect({ servers: stack.natsUrl });
    bodies = await new Objm(nc).open(BODY_BUCKET);
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

  it('signs up, verifies the address from the mailed link once, then signs in and reads its own messages', async () => {
    const input = { tenant: 'acme', address: 'alice@ACME.test', password: PASSWORD };
    const signedUp = await data<{ signUp: boolean }>(OPS.signUp, { input });
    const link = await waitForNotice('alice@acme.test', VERIFY_SUBJECT);
    const verifyToken = linkToken(link.text, 'verify');

    // Pending: the right password is told to verify; Basic auth likewise; a wrong one is not.
    const pending = await gql(OPS.signIn, {
      input: { address: 'alice@acme.test', password: PASSWORD },
    });
    const pendingBasic = await gql(OPS.me, {}, basic('alice@acme.test', PASSWORD));
    const wrong = await gql(OPS.signIn, {
      input: { address: 'alice@acme.test', password: 'guess it' },
    });
    const verified = await data<{ verifyAddress: Record<string, unknown> }>(OPS.verifyAddress, {
      token: verifyToken,
    });
    const again = await gql(OPS.verifyAddress, { token: verifyToken });

    assert.equal(signedUp.signUp, true);
    assert.match(link.text, /https:\/\/console\.zajoni\.test\/verify\?token=zjv_/);
    assert.deepEqual(
      [errorCode(pending), errorCode(pendingBasic)],
      ['ADDRESS_NOT_VERIFIED', 'ADDRESS_NOT_VERIFIED'],
    );
    assert.equal(errorCode(wrong), 'UNAUTHENTICATED');
    assert.deepEqual(
      { ...verified.verifyAddress, id: undefined },
      {
        id: undefined,
        tenant: 'acme',
        address: 'alice@acme.test',
        role: 'USER',
        confirmations: true,
        verified: true,
      },
    );
    assert.equal(errorCode(again), 'INVALID_TOKEN');
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

  it('answers signUp alike for a new, a pending and a taken address; only the newest link works', async () => {
    await createUser('acme', 'erin@acme.test');
    const signUp = (address: string, password: string) =>
      gql(OPS.signUp, { input: { tenant: 'acme', address, password } });

    const taken = await signUp('erin@acme.test', 'an impostor password');
    const fresh = await signUp('bob@acme.test', 'first password');
    const firstLink = await waitForNotice('bob@acme.test', VERIFY_SUBJECT);
    const repeated = await signUp('bob@acme.test', 'second password');
    const secondLink = await waitForNotice(
      'bob@acme.test',
      VERIFY_SUBJECT,
      (n) => n.text !== firstLink.text,
    );
    const note = await waitForNotice('erin@acme.test', NOTE_SUBJECT);
    const stale = await gql(OPS.verifyAddress, { token: linkToken(firstLink.text, 'verify') });
    await data(OPS.verifyAddress, { token: linkToken(secondLink.text, 'verify') });
    const firstPassword = await gql(OPS.signIn, {
      input: { address: 'bob@acme.test', password: 'first password' },
    });
    const impostor = await gql(OPS.signIn, {
      input: { address: 'erin@acme.test', password: 'an impostor password' },
    });

    assert.deepEqual(fresh.body, { data: { signUp: true } });
    assert.deepEqual([taken.status, taken.body], [fresh.status, fresh.body]);
    assert.deepEqual([repeated.status, repeated.body], [fresh.status, fresh.body]);
    assert.doesNotMatch(note.text, /zjv_/, 'the owner gets a note, not a link');
    assert.equal(errorCode(stale), 'INVALID_TOKEN', 'a new sign-up ends the older links');
    assert.equal(errorCode(firstPassword), 'UNAUTHENTICATED');
    await signIn('bob@acme.test', 'second password');
    assert.equal(errorCode(impostor), 'UNAUTHENTICATED', "the owner's password stays");
    await signIn('erin@acme.test');
  });

  it('limits account mails per address and per client, alike for known and unknown addresses', async () => {
    await createUser('acme', 'gus@acme.test');
    const asks = [OPS.requestPasswordReset, OPS.forgotUsername, OPS.requestPasswordReset];
    const askAll = async (address: string, from: string) => {
      const answers = [];
      for (const op of [...asks, OPS.forgotUsername])
        answers.push(await gqlFrom(from, op, { address }));
      return answers.map((a) => [a.status, a.code]);
    };

    const known = await askAll('gus@acme.test', '127.0.0.2');
    const unknown = await askAll('nobody-here@acme.test', '127.0.0.2');
    const signUpToo = await gqlFrom('127.0.0.4', OPS.signUp, {
      input: { tenant: 'acme', address: 'gus@acme.test', password: 'some password' },
    });
    const spread = [];
    for (let i = 0; i < MAILS_PER_CLIENT; i += 1) {
      spread.push(await gqlFrom('127.0.0.3', OPS.forgotUsername, { address: `x${i}@acme.test` }));
    }
    const flooding = await gqlFrom('127.0.0.3', OPS.forgotUsername, { address: 'y@acme.test' });
    const elsewhere = await gqlFrom('127.0.0.4', OPS.forgotUsername, { address: 'y@acme.test' });

    const limitedAfter = [
      ...Array(MAILS_PER_ADDRESS).fill([200, undefined]),
      [429, 'RATE_LIMITED'],
    ];
    assert.deepEqual(known, limitedAfter);
    assert.deepEqual(unknown, known);
    assert.deepEqual([signUpToo.status, signUpToo.code], [429, 'RATE_LIMITED']);
    assert.deepEqual(
      spread.map((a) => a.code),
      Array(MAILS_PER_CLIENT).fill(undefined),
    );
    assert.deepEqual([flooding.status, flooding.code], [429, 'RATE_LIMITED']);
    assert.deepEqual(elsewhere.data, { forgotUsername: true });
    const toGus = await waitForNotices((n) => n.to === 'gus@acme.test', MAILS_PER_ADDRESS);
    assert.equal(toGus.length, MAILS_PER_ADDRESS);
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
    // Only the known address gets mail: a reset and a username notice to alice, none to nobody.
    const isReminder = (n: QueuedNotice) => n.entry.subject !== VERIFY_SUBJECT;
    const notices = await waitForNotices((n) => n.to === 'alice@acme.test' && isReminder(n), 2);
    assert.deepEqual(
      notices.map(({ entry: n }) => [n.kind, n.recipients, n.sender, n.confirm, n.subject]).sort(),
      [
        ['account-notice', ['alice@acme.test'], '', false, 'Reset your Zajoni password'],
        ['account-notice', ['alice@acme.test'], '', false, 'Your Zajoni username'],
      ],
    );
    assert.ok(!(await readNotices()).some((n) => n.to === 'nobody@acme.test'));
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

  /** Every account notice queued for acme's relay so far, with its text, oldest first. */
  async function readNotices(): Promise<QueuedNotice[]> {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(QUEUE_STREAM);
    const notices: QueuedNotice[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
      const msg = await jsm.streams.getMessage(QUEUE_STREAM, { seq }).catch(() => null);
      if (msg?.subject !== queueSubject('acme')) continue;
      const entry = parseQueuedMessage(msg.json());
      if (entry.kind !== 'account-notice') continue;
      let text = texts.get(entry.queueId);
      if (text === undefined) {
        const raw = await bodies.getBlob(entry.queueId);
        text = raw ? ((await simpleParser(Buffer.from(raw))).text ?? '') : '';
        texts.set(entry.queueId, text);
      }
      notices.push({ entry, to: entry.recipients[0] ?? '', text });
    }
    return notices;
  }

  /** Waits until `count` queued notices match, and returns them. */
  async function waitForNotices(
    match: (notice: QueuedNotice) => boolean,
    count: number,
  ): Promise<QueuedNotice[]> {
    let found: QueuedNotice[] = [];
    await waitFor('the account notices to be queued', async () => {
      found = (await readNotices()).filter(match);
      return found.length >= count;
    });
    return found;
  }

  /** The latest notice to `to` with this subject (and matching `match`), once queued. */
  async function waitForNotice(
    to: string,
    subject: string,
    match: (notice: QueuedNotice) => boolean = () => true,
  ): Promise<QueuedNotice> {
    const isIt = (n: QueuedNotice) => n.to === to && n.entry.subject === subject && match(n);
    const found = await waitForNotices(isIt, 1);
    return found.at(-1) as QueuedNotice;
  }

  /** A GraphQL request sent from a given loopback address (the API sees it as the client). */
  function gqlFrom(localAddress: string, query: string, variables: Record<string, unknown>) {
    return new Promise<{ status: number; code: unknown; data: unknown }>((resolve, reject) => {
      const options = {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json' },
      };
      const req = request(`${api.url}/graphql`, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = JSON.parse(
            Buffer.concat(chunks).toString('utf8'),
          ) as GraphQLResponse['body'];
          const code = body.errors?.[0]?.extensions?.['code'];
          resolve({ status: res.statusCode ?? 0, code, data: body.data ?? null });
        });
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query, variables }));
    });
  }
});

const VERIFY_SUBJECT = 'Confirm your Zajoni address';
const NOTE_SUBJECT = 'Someone tried to sign up with your address';

/** An account notice on the queue: its entry, its one recipient and its decoded text. */
interface QueuedNotice {
  readonly entry: QueuedMessage;
  readonly to: string;
  readonly text: string;
}

/** The token of a `<console>/<path>?token=…` link in a mail's text. */
function linkToken(text: string, path: string): string {
  const token = new RegExp(`/${path}\\?token=(zj[a-z]_[A-Za-z0-9_-]+)`).exec(text)?.[1];
  assert.ok(token, `a ${path} link in: ${text}`);
  return token;
}

const basic = (address: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${address}:${password}`).toString('base64')}`,
});

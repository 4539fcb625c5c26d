import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createPool, registerTenant } from '../api/src/index.ts';
import { createCaptureLog } from '../api/src/testing/capture-log.ts';
import { submitWithSwaks, waitForReceipt, waitForRecord } from '../scripts/round-trip.ts';
import { LOCAL, startLocalStack, type LocalStack } from '../scripts/stack/local.ts';
import { waitFor } from '../scripts/stack/process.ts';
import { createAccount } from '../scripts/stack/zajoni.ts';
import { OPS, bearer, errorCode, graphqlClient } from './support/graphql.ts';
import { failureOf, openClient } from './support/smtp-client.ts';

// Accounts on the real stack: the API queues its mail for the relay, which delivers it to
// Postfix through dnsmasq's MX record; SMTP AUTH goes over a real socket to the relay, which
// asks the API over NATS.

const PASSWORD = 'e2e account password';
const ACCOUNT_LIMIT = 3;
/** Long enough to outlast three failed AUTH exchanges (argon2 on a busy machine). */
const WINDOW_SECONDS = 15;
const CONSOLE_URL = 'https://console.zajoni.test';

/** The README's walk-through query: the caller's messages whose subject starts "Signed". */
const FIND_SIGNED = /* GraphQL */ `
  {
    messages(first: 5, filter: { subjectPrefix: "Signed" }) {
      edges {
        node {
          queueId
          status
          recipients {
            address
            remoteQueueId
          }
        }
      }
    }
  }
`;

describe('accounts, end to end', () => {
  let dir: string;
  let stack: LocalStack;
  let client: ReturnType<typeof graphqlClient>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-accounts-e2e-'));
    stack = await startLocalStack({
      dir,
      relayEnv: { DELIVERY_ACK_WAIT_MS: '3000' },
      apiEnv: {
        AUTH_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT),
        AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
        CONSOLE_URL,
        ACCOUNT_MAIL_FROM: `accounts@${LOCAL.relayHost}`,
      },
    });
    client = graphqlClient(stack.api.graphqlUrl);
  });

  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Polls a mailbox for a message matching `match`; returns the first one. */
  async function waitForMessage(address: string, match: (mail: ParsedMail) => boolean) {
    let found: ParsedMail | undefined;
    await waitFor(
      `a matching mail for ${address}`,
      async () => {
        for (const raw of await stack.postfix.readMailbox(address)) {
          const mail = await simpleParser(raw);
          if (match(mail)) found = mail;
        }
        return found !== undefined;
      },
      60_000,
      250,
    );
    return found as ParsedMail;
  }

  /** One SMTP AUTH over STARTTLS at the relay; rejects with the server's reply on failure. */
  async function smtpLogin(address: string, password: string) {
    const smtp = await openClient({ port: stack.relay.settings.submissionPort });
    try {
      await smtp.login(address, password);
    } finally {
      smtp.close();
    }
  }

  const resetTokenIn = (mail: ParsedMail) =>
    /\/reset\?token=(zjr_[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? '';

  it('signs up as the README shows: the link reaches Postfix and works once, then the account sends and finds its mail', async () => {
    const you = { address: `you@${LOCAL.senderDomain}`, password: 'a long password' };
    const pool = createPool(stack.postgres.url, createCaptureLog().log);
    try {
      await registerTenant(pool, {
        id: LOCAL.tenant,
        displayName: 'Zajoni demo',
        signUp: 'open',
        confirmationsDefault: true,
        retentionDays: 90,
        senderDomains: [LOCAL.senderDomain],
      });
    } finally {
      await pool.end();
    }

    const signedUp = await client.data(OPS.signUp, { input: { tenant: LOCAL.tenant, ...you } });
    const pendingAuth = await failureOf(() => smtpLogin(you.address, you.password));
    const pendingSignIn = await client.gql(OPS.signIn, { input: you });
    const mail = await waitForMessage(
      you.address,
      (m) => m.subject === 'Confirm your Zajoni address',
    );
    const token = /\/verify\?token=(zjv_[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? '';
    const verified = await client.data<{ verifyAddress: { address: string } }>(OPS.verifyAddress, {
      token,
    });
    const again = await client.gql(OPS.verifyAddress, { token });
    const session = await client.data<{ signIn: { token: string } }>(OPS.signIn, { input: you });
    const queueId = await submitWithSwaks(stack, 'Signed contract', you);

    assert.deepEqual(signedUp, { signUp: true });
    assert.equal(pendingAuth.responseCode, 535, 'a pending account cannot send');
    assert.equal(errorCode(pendingSignIn), 'ADDRESS_NOT_VERIFIED');
    assert.match(mail.text ?? '', new RegExp(`${CONSOLE_URL}/verify\\?token=zjv_`));
    assert.equal(verified.verifyAddress.address, you.address);
    assert.equal(errorCode(again), 'INVALID_TOKEN');
    let found: {
      queueId: string;
      status: string;
      recipients: { remoteQueueId: string | null }[];
    }[] = [];
    await waitFor(
      'the signed contract to be delivered',
      async () => {
        const page = await client.data<{ messages: { edges: { node: (typeof found)[number] }[] } }>(
          FIND_SIGNED,
          {},
          bearer(session.signIn.token),
        );
        found = page.messages.edges.map((e) => e.node);
        return found[0]?.status === 'DELIVERED';
      },
      60_000,
      500,
    );
    assert.deepEqual(
      found.map((m) => m.queueId),
      [queueId],
    );
    assert.match(found[0]?.recipients[0]?.remoteQueueId ?? '', /^\S+$/);
  });

  it('mails a reset link through the relay to Postfix; it works once, and an expired one fails', async () => {
    const carol = `carol@${LOCAL.senderDomain}`;
    await createAccount(stack.postgres.url, LOCAL.tenant, carol, PASSWORD);

    await client.data(OPS.requestPasswordReset, { address: carol });
    const mail = await waitForMessage(carol, (m) => m.subject === 'Reset your Zajoni password');
    const token = resetTokenIn(mail);

    assert.match(mail.text ?? '', new RegExp(`${CONSOLE_URL}/reset\\?token=zjr_`));
    assert.equal(mail.from?.value[0]?.address, `accounts@${LOCAL.relayHost}`);
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
    const first = await client.gql(OPS.resetPassword, { token, password: 'brand new password' });
    const second = await client.gql(OPS.resetPassword, { token, password: 'another password' });
    assert.deepEqual(first.body, { data: { resetPassword: true } });
    assert.equal(errorCode(second), 'INVALID_TOKEN');
    const signedIn = await client.data<{ signIn: { user: { address: string } } }>(OPS.signIn, {
      input: { address: carol, password: 'brand new password' },
    });
    assert.equal(signedIn.signIn.user.address, carol);

    // A second link, expired in the database before use, is refused like a used one.
    await client.data(OPS.requestPasswordReset, { address: carol });
    const later = await waitForMessage(
      carol,
      (m) => m.subject === 'Reset your Zajoni password' && resetTokenIn(m) !== token,
    );
    const pool = createPool(stack.postgres.url, createCaptureLog().log);
    try {
      await pool.query("UPDATE password_resets SET expires_at = now() - interval '1 second'");
    } finally {
      await pool.end();
    }
    const expired = await client.gql(OPS.resetPassword, {
      token: resetTokenIn(later),
      password: 'yet another password',
    });
    assert.equal(errorCode(expired), 'INVALID_TOKEN');
  });

  it('locks SMTP AUTH for an account after failed attempts over a real socket, then releases it', async () => {
    const dave = `dave@${LOCAL.senderDomain}`;
    await createAccount(stack.postgres.url, LOCAL.tenant, dave, PASSWORD);
    const port = stack.relay.settings.submissionPort;
    const login = async (password: string) => {
      const smtp = await openClient({ port });
      try {
        await smtp.login(dave, password);
      } finally {
        smtp.close();
      }
    };

    const failures = [];
    for (let i = 0; i < ACCOUNT_LIMIT; i += 1) failures.push(await failureOf(() => login('guess')));
    const locked = await failureOf(() => login(PASSWORD));

    assert.deepEqual(
      failures.map((f) => f.responseCode),
      Array(ACCOUNT_LIMIT).fill(535),
    );
    assert.equal(locked.responseCode, 454);
    assert.match(
      locked.response ?? '',
      /^454 4\.7\.0 Too many failed authentication attempts, try again in \d+ seconds/,
    );
    await waitFor(
      'the AUTH lockout to end',
      async () => {
        await login(PASSWORD);
        return true;
      },
      (WINDOW_SECONDS + 15) * 1000,
      1000,
    );
  });

  it('sends no confirmation for a message submitted while confirmations are off', async () => {
    const { data } = client;
    const session = await data<{ signIn: { token: string } }>(OPS.signIn, {
      input: { address: LOCAL.sender.address, password: LOCAL.sender.password },
    });
    const as = bearer(session.signIn.token);
    const off = await data<{ setConfirmations: { confirmations: boolean } }>(
      OPS.setConfirmations,
      { enabled: false },
      as,
    );
    assert.equal(off.setConfirmations.confirmations, false);

    const quiet = await submitWithSwaks(stack, 'no receipt wanted');
    assert.equal((await waitForRecord(stack, quiet)).status, 'DELIVERED');
    // The relay logs "delivery finished" only after it has queued any receipts of the round.
    await waitFor('the quiet round to finish', async () => {
      const log = await readFile(stack.relay.process.logFile, 'utf8');
      return log.split('\n').some((l) => l.includes('delivery finished') && l.includes(quiet));
    });
    await data(OPS.setConfirmations, { enabled: true }, as);
    const loud = await submitWithSwaks(stack, 'receipt wanted');
    await waitForReceipt(stack, loud);

    // The later message's receipt arrived; none about the quiet one was queued or delivered.
    const mailbox = await stack.postfix.readMailbox(LOCAL.sender.address);
    const receipts = await Promise.all(mailbox.map((raw) => simpleParser(raw)));
    assert.ok(!receipts.some((m) => m.text?.includes(quiet)), 'no receipt mentions the quiet one');
    const relayLog = await readFile(stack.relay.process.logFile, 'utf8');
    assert.ok(!relayLog.includes(`${quiet}-c1`), 'no confirmation entry for the quiet one');
  });
});

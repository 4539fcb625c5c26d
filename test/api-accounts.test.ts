import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { argon2id, hash, verify as verifyHash } from 'argon2';
import type { Pool } from 'pg';
import { AUTH_VERIFY_SUBJECT, authReplySchema, type AuthReply } from '#shared';
import {
  EXIT,
  MIGRATIONS_DIR,
  checkCredentials,
  createAuthLimiter,
  createPool,
  createTenant,
  createUser,
  hashToken,
  runAdmin,
  runMigrations,
  startAuthResponder,
  startRetention,
  type AdminIo,
  type AuthResponder,
} from '../api/src/index.ts';
import { HASH_OPTIONS } from '../api/src/accounts/passwords.ts';
import { createVerifiedPasswords } from '../api/src/accounts/verified-passwords.ts';
import { LEVEL, createCaptureLog } from '../api/src/testing/capture-log.ts';
import { startTestStack, type TestStack } from '../api/src/testing/stack.ts';
import { waitFor } from '../scripts/stack/process.ts';

const PASSWORD = 'correct horse battery';

describe('accounts', () => {
  let stack: TestStack;
  const { log, lines } = createCaptureLog();

  before(async () => {
    stack = await startTestStack();
  });

  after(async () => {
    await stack?.stop();
  });

  describe('admin CLI', () => {
    /** Runs the CLI in-process with DATABASE_URL set, capturing its output. */
    async function admin(
      argv: string[],
      options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
    ) {
      let out = '';
      let err = '';
      const io: AdminIo = {
        env: options.env ?? { DATABASE_URL: stack.databaseUrl, LOG_LEVEL: 'silent' },
        out: (text) => void (out += text),
        err: (text) => void (err += text),
        readStdin: async () => options.stdin ?? '',
      };
      const status = await runAdmin(argv, io);
      return { status, out, err };
    }

    it('migrates a fresh database once even when two starts race', async () => {
      const [first, second] = await Promise.all([
        runMigrations(stack.databaseUrl, log),
        runMigrations(stack.databaseUrl, log),
      ]);
      const again = await admin(['migrate']);

      const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql'));
      assert.deepEqual(
        [first.length + second.length, Math.min(first.length, second.length)],
        [files.length, 0],
      );
      assert.deepEqual(again, { status: EXIT.ok, out: 'schema already up to date\n', err: '' });
    });

    it('creates a tenant and refuses to create it twice', async () => {
      const created = await admin(['tenant', 'create', 'acme', '--name', 'Acme Corp']);
      const again = await admin(['tenant', 'create', 'acme']);
      const invalid = await admin(['tenant', 'create', 'Not_A_Label']);

      assert.deepEqual(created, {
        status: EXIT.ok,
        out: 'created tenant acme (Acme Corp)\n',
        err: '',
      });
      assert.deepEqual(again, {
        status: EXIT.failed,
        out: '',
        err: 'zajoni-admin: tenant acme already exists\n',
      });
      assert.equal(invalid.status, EXIT.failed);
      assert.match(invalid.err, /invalid tenant id "Not_A_Label"/);
    });

    it('creates a user from a password on stdin that then passes the credential check', async () => {
      const created = await admin(
        [
          'user',
          'create',
          '--tenant',
          'acme',
          '--address',
          'Carol@Example.COM',
          '--password-stdin',
        ],
        { stdin: `${PASSWORD}\n` },
      );

      assert.equal(created.status, EXIT.ok, created.err);
      assert.match(
        created.out,
        /^created user Carol@example\.com in tenant acme \(id [0-9A-Z]{26}\)\n$/,
      );
      const pool = createPool(stack.databaseUrl, log);
      try {
        const user = await checkCredentials(pool, {
          address: 'Carol@example.com',
          password: PASSWORD,
        });
        assert.equal(user?.address, 'Carol@example.com');
      } finally {
        await pool.end();
      }
    });

    it('creates a platform admin and prints its API token once, on stdout alone', async () => {
      const created = await admin(['platform-admin', 'create', '--name', 'ops']);
      const again = await admin(['platform-admin', 'create', '--name', 'ops']);
      const tenantAdmin = await admin(
        ['user', 'create', '--tenant', 'acme', '--address', 'boss@example.com', '--role'],
        { stdin: PASSWORD },
      );
      const withRole = await admin([
        'user',
        'create',
        '--tenant',
        'acme',
        '--address',
        'boss@example.com',
        '--role',
        'tenant-admin',
        '--password',
        PASSWORD,
      ]);

      assert.equal(created.status, EXIT.ok, created.err);
      assert.match(created.out, /^zjt_[A-Za-z0-9_-]{43}\n$/);
      assert.match(created.err, /created platform admin ops/);
      assert.deepEqual(
        [again.status, again.err],
        [EXIT.failed, 'zajoni-admin: platform admin ops already exists\n'],
      );
      assert.equal(tenantAdmin.status, EXIT.usage);
      assert.match(
        withRole.out,
        /^created user boss@example\.com in tenant acme .*tenant-admin\)\n$/,
      );
      const pool = createPool(stack.databaseUrl, log);
      try {
        const { rows } = await pool.query('SELECT token_hash FROM api_tokens');
        assert.deepEqual(rows, [{ token_hash: hashToken(created.out.trim()) }]);
      } finally {
        await pool.end();
      }
    });

    it('reports failures with status 1 and usage errors with status 2', async () => {
      const unknownTenant = await admin([
        'user',
        'create',
        '--tenant',
        'nope',
        '--address',
        'a@b.example',
        '--password',
        PASSWORD,
      ]);
      const duplicate = await admin([
        'user',
        'create',
        '--tenant',
        'acme',
        '--address',
        'Carol@EXAMPLE.com',
        '--password',
        PASSWORD,
      ]);
      const shortPassword = await admin([
        'user',
        'create',
        '--tenant',
        'acme',
        '--address',
        'dan@example.com',
        '--password',
        'short',
      ]);
      const bothPasswords = await admin([
        'user',
        'create',
        '--tenant',
        'acme',
        '--address',
        'x@y.example',
        '--password',
        'p',
        '--password-stdin',
      ]);
      const unknownFlag = await admin(['tenant', 'create', 'x', '--colour', 'red']);
      const noCommand = await admin([]);
      const noDatabase = await admin(['migrate'], { env: {} });

      assert.deepEqual(
        [unknownTenant, duplicate, shortPassword].map((r) => [r.status, r.err]),
        [
          [EXIT.failed, 'zajoni-admin: tenant nope does not exist\n'],
          [EXIT.failed, 'zajoni-admin: user Carol@example.com already exists in tenant acme\n'],
          [EXIT.failed, 'zajoni-admin: password must have at least 8 characters\n'],
        ],
      );
      for (const usage of [bothPasswords, unknownFlag, noCommand]) {
        assert.equal(usage.status, EXIT.usage);
        assert.match(usage.err, /usage: zajoni-admin/);
      }
      assert.equal(noDatabase.status, EXIT.usage);
      assert.match(noDatabase.err, /DATABASE_URL/);
    });
  });

  describe('auth responder', () => {
    let pool: Pool;
    let nc: NatsConnection;
    let responder: AuthResponder;

    before(async () => {
      await runMigrations(stack.databaseUrl, log);
      pool = createPool(stack.databaseUrl, log);
      nc = await connect({ servers: stack.natsUrl });
      await createTenant(pool, 'initech');
      await createUser(pool, 'initech', 'alice@example.com', PASSWORD);
      responder = startAuthResponder(nc, pool, log);
    });

    after(async () => {
      await responder?.stop();
      await nc?.drain();
      await pool?.end();
    });

    async function verify(body: unknown): Promise<{ reply: AuthReply; ms: number }> {
      const start = performance.now();
      const msg = await nc.request(AUTH_VERIFY_SUBJECT, JSON.stringify(body), { timeout: 5_000 });
      return { reply: authReplySchema.parse(msg.json()), ms: performance.now() - start };
    }

    it('accepts the right password and names the account', async () => {
      const { reply } = await verify({
        tenant: 'initech',
        username: 'alice@EXAMPLE.com',
        password: PASSWORD,
      });

      assert.equal(reply.ok, true);
      assert.ok(reply.ok);
      assert.deepEqual(
        { ...reply.user, id: '' },
        { id: '', address: 'alice@example.com', tenant: 'initech', confirmations: true },
      );
    });

    it('refuses a pending sign-up with its right password like a wrong one', async () => {
      await createUser(pool, 'initech', 'pat@example.com', PASSWORD);
      await pool.query("UPDATE users SET verified_at = NULL WHERE address = 'pat@example.com'");
      const request = { tenant: 'initech', username: 'pat@example.com', password: PASSWORD };

      const pending = await verify(request);
      await pool.query("UPDATE users SET verified_at = now() WHERE address = 'pat@example.com'");
      const verified = await verify(request);

      assert.deepEqual(pending.reply, { ok: false, reason: 'invalid-credentials' });
      assert.equal(verified.reply.ok, true);
    });

    it('replaces a hash with older parameters on the next right password only', async () => {
      await createUser(pool, 'initech', 'bob@example.com', PASSWORD);
      const oldHash = await hash(PASSWORD, {
        type: argon2id,
        memoryCost: 65_536,
        timeCost: 3,
        parallelism: 4,
      });
      await pool.query('UPDATE users SET password_hash = $2 WHERE address = $1', [
        'bob@example.com',
        oldHash,
      ]);
      const storedHash = async () => {
        const { rows } = await pool.query<{ password_hash: string }>(
          'SELECT password_hash FROM users WHERE address = $1',
          ['bob@example.com'],
        );
        return rows[0]?.password_hash ?? '';
      };
      const credentials = { tenant: 'initech', address: 'bob@example.com' };

      const refused = await checkCredentials(pool, { ...credentials, password: 'wrong password' });
      const afterRefusal = await storedHash();
      const accepted = await checkCredentials(pool, { ...credentials, password: PASSWORD });
      const upgraded = await storedHash();
      const again = await checkCredentials(pool, { ...credentials, password: PASSWORD });

      assert.equal(refused, null);
      assert.equal(afterRefusal, oldHash);
      assert.equal(accepted?.address, 'bob@example.com');
      assert.match(upgraded, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      assert.equal(await verifyHash(upgraded, PASSWORD), true);
      assert.equal(again?.address, 'bob@example.com');
      assert.equal(await storedHash(), upgraded, 'a current hash is kept');
    });

    it('remembers a right password until the stored hash changes, never a wrong one', async () => {
      const carol = await createUser(pool, 'initech', 'carol@example.com', PASSWORD);
      const storedHash = async () =>
        (
          await pool.query<{ password_hash: string }>(
            'SELECT password_hash FROM users WHERE id = $1',
            [carol.id],
          )
        ).rows[0]?.password_hash ?? '';
      const verified = createVerifiedPasswords(60);
      const credentials = { tenant: 'initech', address: 'carol@example.com' };

      const wrong = await checkCredentials(
        pool,
        { ...credentials, password: 'wrong password' },
        verified,
      );
      const right = await checkCredentials(pool, { ...credentials, password: PASSWORD }, verified);
      const hashBefore = await storedHash();
      const rememberedRight = verified.has(carol.id, hashBefore, PASSWORD);
      const rememberedWrong = verified.has(carol.id, hashBefore, 'wrong password');
      // The password changes elsewhere: the remembered check must not let the old one in.
      await pool.query('UPDATE users SET password_hash = $2 WHERE id = $1', [
        carol.id,
        await hash('a new password', HASH_OPTIONS),
      ]);
      const oldAfterChange = await checkCredentials(
        pool,
        { ...credentials, password: PASSWORD },
        verified,
      );

      assert.equal(wrong, null);
      assert.equal(right?.id, carol.id);
      assert.equal(rememberedRight, true);
      assert.equal(rememberedWrong, false);
      assert.equal(oldAfterChange, null);
    });

    it('does not let a deleted account in on a remembered password', async () => {
      const dave = await createUser(pool, 'initech', 'dave@example.com', PASSWORD);
      const verified = createVerifiedPasswords(60);
      const credentials = { tenant: 'initech', address: 'dave@example.com', password: PASSWORD };

      const before = await checkCredentials(pool, credentials, verified);
      await pool.query('DELETE FROM users WHERE id = $1', [dave.id]);
      const after = await checkCredentials(pool, credentials, verified);

      assert.equal(before?.id, dave.id);
      assert.equal(after, null);
    });

    it('refuses a wrong password, an unknown user and another tenant alike', async () => {
      const refusals = [
        { tenant: 'initech', username: 'alice@example.com', password: 'wrong password' },
        { tenant: 'initech', username: 'nobody@example.com', password: PASSWORD },
        { tenant: 'acme', username: 'alice@example.com', password: PASSWORD },
        { tenant: 'initech', username: 'not an address', password: PASSWORD },
      ];
      for (const request of refusals) {
        const { reply } = await verify(request);
        assert.deepEqual(reply, { ok: false, reason: 'invalid-credentials' });
      }
      assert.ok(
        !lines.some((l) => JSON.stringify(l).includes('wrong password')),
        'no password logged',
      );
    });

    it('spends as long on an unknown user as on a wrong password', async () => {
      const wrong = {
        tenant: 'initech',
        username: 'alice@example.com',
        password: 'wrong password',
      };
      const unknown = {
        tenant: 'initech',
        username: 'nobody@example.com',
        password: 'wrong password',
      };
      const median = async (body: unknown) => {
        const times: number[] = [];
        for (let i = 0; i < 5; i += 1) times.push((await verify(body)).ms);
        return times.sort((a, b) => a - b)[2] ?? 0;
      };

      const [wrongMs, unknownMs] = [await median(wrong), await median(unknown)];

      // Without the dummy verify an unknown user would answer in about a millisecond.
      assert.ok(
        unknownMs > wrongMs * 0.5,
        `unknown ${unknownMs} ms vs wrong password ${wrongMs} ms`,
      );
    });

    it('answers a malformed request with unavailable and logs it', async () => {
      const { reply } = await verify({ tenant: 'initech', username: 'alice@example.com' });

      assert.deepEqual(reply, { ok: false, reason: 'unavailable' });
      const logged = lines.find((l) => l.msg === 'invalid auth request');
      assert.equal(logged?.level, LEVEL.error);
      assert.deepEqual(logged?.issues, [
        'password: Invalid input: expected string, received undefined',
      ]);
    });

    it('stops answering once stopped', async () => {
      const second = startAuthResponder(nc, pool, log);
      await responder.stop();
      const { reply } = await verify({
        tenant: 'initech',
        username: 'alice@example.com',
        password: PASSWORD,
      });
      await second.stop();

      assert.equal(reply.ok, true, 'the other member of the queue group still answers');
      await assert.rejects(
        nc.request(AUTH_VERIFY_SUBJECT, '{}', { timeout: 1_000 }),
        /503|no responders/i,
      );
    });

    it('refuses every attempt from a client address that failed too often, until its window ends', async () => {
      // Only this responder may answer: the suite's default one has other limits.
      await responder.stop();
      const limited = startAuthResponder(
        nc,
        pool,
        log,
        // The window must outlast three argon2 verifies on a busy machine.
        createAuthLimiter(pool, { perAccount: 5, perAddress: 3, windowSeconds: 15 }),
      );
      const from = (remoteAddress: string, username: string, password = PASSWORD) => ({
        tenant: 'initech',
        username,
        password,
        remoteAddress,
      });
      try {
        const failures = [];
        for (const name of ['a', 'b', 'c']) {
          failures.push((await verify(from('192.0.2.7', `${name}@example.com`))).reply);
        }
        const blocked = (await verify(from('192.0.2.7', 'alice@example.com'))).reply;
        const elsewhere = (await verify(from('192.0.2.8', 'alice@example.com'))).reply;

        assert.deepEqual(failures, Array(3).fill({ ok: false, reason: 'invalid-credentials' }));
        assert.equal(blocked.ok, false);
        assert.ok(!blocked.ok && blocked.reason === 'rate-limited', JSON.stringify(blocked));
        assert.ok((blocked.retryAfterSeconds ?? 0) >= 1);
        assert.equal(elsewhere.ok, true, 'another address is not affected');
        await waitFor(
          'the address to be released',
          async () => (await verify(from('192.0.2.7', 'alice@example.com'))).reply.ok,
          30_000,
          500,
        );
      } finally {
        await limited.stop();
      }
    });
  });

  describe('cleanup by the retention job', () => {
    let pool: Pool;

    before(async () => {
      await runMigrations(stack.databaseUrl, log);
      pool = createPool(stack.databaseUrl, log);
    });

    after(async () => {
      await pool?.end();
    });

    /** Inserts `count` rows into `table` with the given values, keyed `<prefix>-<n>`. */
    async function seed(table: string, prefix: string, count: number, columns: string) {
      for (let n = 0; n < count; n += 1) {
        await pool.query(`INSERT INTO ${table} VALUES ('${prefix}-${n}', ${columns})`);
      }
    }

    const keys = async (table: string, key: string) =>
      (await pool.query<{ k: string }>(`SELECT ${key} AS k FROM ${table} ORDER BY 1`)).rows.map(
        (r) => r.k,
      );

    it('deletes expired counters, sessions, used or expired links and lapsed sign-ups in batches', async () => {
      // This test owns these tables' contents: earlier tests leave counters behind.
      await pool.query('DELETE FROM auth_failures');
      await pool.query('DELETE FROM sessions');
      await pool.query('DELETE FROM password_resets');
      await createTenant(pool, 'umbrella');
      const owner = await createUser(pool, 'umbrella', 'vera@umbrella.test', PASSWORD);
      const pending = async (address: string) => {
        const user = await createUser(pool, 'umbrella', address, PASSWORD);
        await pool.query('UPDATE users SET verified_at = NULL WHERE id = $1', [user.id]);
        return user.id;
      };
      const lapsed = await pending('lapsed@umbrella.test');
      const waiting = await pending('waiting@umbrella.test');
      const nowMs = Date.now();
      await seed('auth_failures', 'old', 5, `1, ${nowMs - 1000}`);
      await seed('auth_failures', 'live', 1, `1, ${nowMs + 600_000}`);
      // created_at, expires_at (now plus `interval`); the link tables then take used_at.
      const at = (interval: string) => `now(), now() + interval '${interval}'`;
      await seed('sessions', 'old', 3, `'${owner.id}', ${at('-1 second')}`);
      await seed('sessions', 'live', 1, `'${owner.id}', ${at('1 hour')}`);
      await seed('password_resets', 'old', 2, `'${owner.id}', ${at('-1 second')}, NULL`);
      await seed('password_resets', 'used', 1, `'${owner.id}', ${at('1 hour')}, now()`);
      await seed('password_resets', 'live', 1, `'${owner.id}', ${at('1 hour')}, NULL`);
      const link = (user: string, interval: string) => `'${user}', 'h', ${at(interval)}, NULL`;
      await seed('address_verifications', 'old', 1, link(lapsed, '-1 second'));
      await seed('address_verifications', 'live', 1, link(waiting, '1 hour'));

      const before = lines.length;
      const job = startRetention(pool, log, { intervalMs: 3_600_000, batchSize: 2 });
      await job.runOnce();
      await job.stop();

      const batches = lines
        .slice(before)
        .filter((l) => l.msg === 'account cleanup batch' && l['table'] === 'auth_failures')
        .map((l) => l['batch']);
      assert.deepEqual(batches, [2, 2, 1]);
      assert.deepEqual(await keys('auth_failures', 'key'), ['live-0']);
      assert.deepEqual(await keys('sessions', 'token_hash'), ['live-0']);
      assert.deepEqual(await keys('password_resets', 'token_hash'), ['live-0']);
      assert.deepEqual(await keys('address_verifications', 'token_hash'), ['live-0']);
      const { rows } = await pool.query<{ address: string }>(
        "SELECT address FROM users WHERE tenant_id = 'umbrella' ORDER BY address",
      );
      assert.deepEqual(
        rows.map((r) => r.address),
        ['vera@umbrella.test', 'waiting@umbrella.test'],
      );
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basicScript, type ScriptedMx } from '../relay/src/delivery/testing/scripted-mx.ts';
import { waitFor } from '../scripts/stack/process.ts';
import { openRaw, queuedId, type RawReply, type RawSmtp } from './support/raw-smtp.ts';
import {
  ACCOUNT,
  messagesFor,
  startScriptedStack,
  waitForAttempts,
  waitForMessages,
  type ScriptedStack,
} from './support/scripted-stack.ts';

// Infrastructure faults with real processes: NATS, PostgreSQL, the API and relays are stopped,
// killed and started again while mail flows. What counts is what the recipient's server (a
// scripted MX) received and what PostgreSQL holds: nothing accepted is lost, nothing is doubled.

/** A recipient whose first delivery gets no reply to its end of data (the relay is killed). */
const SILENT = 'slow@recipient.test';
const holder: { mx?: ScriptedMx } = {};
let silenced = 0;
const script = basicScript({});
script.endOfData = (connection) => {
  // The transaction being ended: connections are reused, so not every command of the connection.
  const commands = holder.mx?.connections[connection]?.envelopes.at(-1) ?? [];
  if (commands.includes(`RCPT TO:<${SILENT}>`) && silenced++ === 0) return [];
  return [`250 2.0.0 Ok: queued as MX${connection}`];
};

/** Sends one message on a logged-in session; the reply that ended the transaction. */
async function send(client: RawSmtp, to: string): Promise<RawReply> {
  for (const line of [`MAIL FROM:<${ACCOUNT.address}>`, `RCPT TO:<${to}>`, 'DATA']) {
    const reply = await client.command(line);
    if (reply.code >= 400) return reply;
  }
  client.write(`Subject: for ${to}\r\nTo: <${to}>\r\n\r\nHello.\r\n.\r\n`);
  return client.reply();
}

describe('infrastructure faults', () => {
  let stack: ScriptedStack;

  before(async () => {
    stack = await startScriptedStack({
      script,
      // A round deferred by a fault (NATS away when its marker was due) is retried within the
      // test's waits, not after the default five minutes.
      relayEnv: {
        DELIVERY_ACK_WAIT_MS: '3000',
        DAILY_LIMIT: '1000',
        RETRY_MIN_BACKOFF_MS: '2000',
        RETRY_MAX_BACKOFF_MS: '10000',
      },
    });
    holder.mx = stack.mx;
  });

  after(async () => {
    await stack?.stop();
  });

  async function session(): Promise<RawSmtp> {
    const client = await openRaw({ port: stack.relay.settings.submissionsPort, tls: true });
    await client.login(ACCOUNT.address, ACCOUNT.password);
    return client;
  }

  it('answers 451 4.3.0 while NATS is down and resumes by itself when it returns', async () => {
    const client = await session();
    const before = await send(client, 'nats-before@recipient.test');
    assert.equal(before.code, 250);
    // Its delivery settled first: one under way when NATS stops keeps trying to save its result,
    // but if NATS stays away past the ack wait the entry comes back and is sent again (README).
    await waitForAttempts(stack, queuedId(before) ?? '');

    await stack.nats.stop();
    const during = await send(client, 'nats-during@recipient.test');
    client.close();
    assert.equal(during.code, 451, during.lines.join(' | '));
    assert.match(during.lines[0] ?? '', /^451 4\.3\.0 /);

    await stack.startNats();
    // No restart of the relay: its connection comes back on its own.
    let after: RawReply | undefined;
    await waitFor(
      'the relay to queue again',
      async () => {
        const retry = await session();
        after = await send(retry, 'nats-after@recipient.test');
        retry.close();
        return after.code === 250;
      },
      60_000,
      1_000,
    );
    const ids = [queuedId(before), after && queuedId(after)];
    for (const id of ids) assert.ok(id);
    await waitForMessages(stack.mx, 'nats-before@recipient.test');
    await waitForMessages(stack.mx, 'nats-after@recipient.test');
    for (const id of ids) await waitForAttempts(stack, id ?? '');
    assert.equal(messagesFor(stack.mx, 'nats-before@recipient.test').length, 1);
    assert.equal(messagesFor(stack.mx, 'nats-after@recipient.test').length, 1);
    assert.equal(messagesFor(stack.mx, 'nats-during@recipient.test').length, 0);
  });

  it('keeps transcripts in JetStream while PostgreSQL and the API are down', async () => {
    // Logged in first: AUTH itself needs the API.
    const client = await session();
    await stack.stopDatabase();
    const recipients = ['db-1@recipient.test', 'db-2@recipient.test', 'db-3@recipient.test'];
    const ids: string[] = [];
    for (const to of recipients) {
      const reply = await send(client, to);
      const id = queuedId(reply);
      assert.ok(id, reply.lines.join(' | '));
      ids.push(id);
    }
    client.close();
    // Delivery needs neither: the messages reach the MX while the database is away.
    for (const to of recipients) await waitForMessages(stack.mx, to);

    await stack.startDatabase();
    for (const id of ids) await waitForAttempts(stack, id);
    const rows = await stack.query<{ queue_id: string; n: string }>(
      'SELECT queue_id, count(*) AS n FROM attempts WHERE queue_id = ANY($1) GROUP BY queue_id',
      [ids],
    );
    assert.deepEqual(
      rows.map((r) => [r.queue_id, Number(r.n)]).sort(),
      ids.map((id) => [id, 1]).sort(),
    );
    for (const to of recipients) assert.equal(messagesFor(stack.mx, to).length, 1);
  });

  it('redelivers through another relay after one is killed mid-delivery', async () => {
    const client = await session();
    const reply = await send(client, SILENT);
    client.close();
    const queueId = queuedId(reply);
    assert.ok(queueId);
    // The MX has the whole message but has not answered the end of data.
    await waitForMessages(stack.mx, SILENT, 1);
    await stack.relay.process.kill();
    await stack.startRelay();

    // After the ack deadline the new relay takes the entry over and delivers it again.
    await waitForMessages(stack.mx, SILENT, 2);
    const attempts = await waitForAttempts(stack, queueId);
    // The recipient's server saw the message twice. The killed relay's run left its marker
    // (written before its final dot) but no result, so the second run's record says that an
    // earlier copy may exist.
    assert.equal(messagesFor(stack.mx, SILENT).length, 2);
    assert.deepEqual(
      attempts.map((a) => [a.outcome, a.record.possibleDuplicate]),
      [['delivered', true]],
    );
    const steps = attempts[0]?.record.steps as { kind: string; note: string | null }[];
    assert.match(steps[0]?.note ?? '', /^possible duplicate: an earlier run of attempt 1 /);
  });

  it('delivers each accepted message of a run once while NATS, PostgreSQL and a relay restart', async () => {
    const TOTAL = 200;
    const accepted = new Map<string, string>();
    const refused = new Set<string>();
    // Replies lost with the connection: the client cannot know, so at most one copy is fine.
    const unknown = new Set<string>();
    let next = 0;
    // Messages the MX had a copy of by the end of a fault: only these may arrive twice.
    const hadCopyAtFault = new Set<string>();
    const snapshot = () => {
      for (const to of accepted.keys()) {
        if (messagesFor(stack.mx, to).length > 0) hadCopyAtFault.add(to);
      }
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const client = async () => {
      let smtp: RawSmtp | null = null;
      while (next < TOTAL) {
        const to = `soak-${next++}@recipient.test`;
        try {
          smtp ??= await session();
          const reply = await send(smtp, to);
          const id = queuedId(reply);
          if (id) {
            accepted.set(to, id);
            continue;
          }
          refused.add(to);
        } catch {
          unknown.add(to);
        }
        smtp?.close();
        smtp = null;
        await pause(1_000);
      }
      smtp?.close();
    };
    const reach = (count: number) =>
      waitFor(`${count} accepted`, () => accepted.size >= count || next >= TOTAL, 120_000);
    const faults = async () => {
      await reach(30);
      snapshot();
      await stack.nats.stop();
      await pause(1_000);
      // Deliveries under way when NATS stopped may still get their 250 while it is away.
      snapshot();
      await stack.startNats();
      await reach(70);
      await stack.stopDatabase();
      await pause(1_000);
      await stack.startDatabase();
      await reach(110);
      await stack.relay.process.kill();
      // After the kill: a copy that reached the MX while the kill was under way counts too.
      snapshot();
      await stack.startRelay();
    };
    await Promise.all([faults(), ...Array.from({ length: 6 }, client)]);
    assert.ok(accepted.size >= 120, `accepted ${accepted.size} of ${TOTAL}`);

    const missing = () =>
      [...accepted.keys()].filter((to) => messagesFor(stack.mx, to).length === 0);
    await waitFor('every accepted message at the MX', () => missing().length === 0, 120_000).catch(
      async (error: unknown) => {
        // Name what did not arrive, with what the relay logged about it.
        const log = await stack.relayLog();
        const lines = missing().flatMap((to) =>
          log.split('\n').filter((line) => line.includes(accepted.get(to) ?? to)),
        );
        throw new Error(`not at the MX: ${missing().join(', ')}\n${lines.join('\n')}`, {
          cause: error,
        });
      },
    );
    const ids = [...accepted.values()];
    await waitFor(
      'every accepted message stored',
      async () => {
        const rows = await stack.query<{ n: string }>(
          'SELECT count(DISTINCT queue_id) AS n FROM attempts WHERE queue_id = ANY($1)',
          [ids],
        );
        return Number(rows[0]?.n) === ids.length;
      },
      120_000,
    );
    // Each message's stored records in order, by outcome: a round that never sent the final dot
    // (NATS away when the marker was due, a reused connection the server had closed) is on
    // record as deferred and sent no copy.
    const stored = new Map(
      (
        await stack.query<{ queue_id: string; outcomes: string[] }>(
          `SELECT queue_id, array_agg(outcome ORDER BY attempt, started_at) AS outcomes
             FROM attempts WHERE queue_id = ANY($1) GROUP BY queue_id`,
          [ids],
        )
      ).map((r) => [r.queue_id, r.outcomes]),
    );
    const flagged = new Set(
      (
        await stack.query<{ queue_id: string }>(
          `SELECT DISTINCT queue_id FROM attempts
            WHERE queue_id = ANY($1) AND (record->>'possibleDuplicate')::boolean`,
          [ids],
        )
      ).map((r) => r.queue_id),
    );
    const problems: { id: string; problem: string }[] = [];
    const check = (id: string, ok: boolean, problem: string) => {
      if (!ok) problems.push({ id, problem });
    };
    for (const [to, id] of accepted) {
      const copies = messagesFor(stack.mx, to).length;
      // A second copy only for a message whose delivery was under way when NATS stopped or the
      // relay was killed: the 250 it got was never saved, so the entry came back. The run that
      // sent it again found the first run's marker, so its record says a copy may exist.
      check(id, copies <= 1 || hadCopyAtFault.has(to), `${to} delivered ${copies} times`);
      check(id, copies <= 1 || flagged.has(id), `${to}: second copy not flagged`);
      check(id, copies >= 1 && copies <= 2, `${to} delivered ${copies} times`);
      // A round that never sent its final dot (NATS away when the marker was due, a TLS
      // handshake that failed before the retry in clear) is on record as deferred, with no copy.
      const outcomes = stored.get(id) ?? [];
      const delivered = outcomes.filter((o) => o === 'delivered').length;
      const detail = `${to}: stored [${outcomes.join(', ')}], ${copies} copies`;
      check(id, delivered >= 1 && delivered <= copies, detail);
      check(
        id,
        outcomes.every((o) => o === 'delivered' || o === 'deferred'),
        detail,
      );
    }
    if (problems.length > 0) {
      const log = (await stack.relayLog()).split('\n');
      const lines = problems.flatMap(({ id }) => log.filter((line) => line.includes(id)));
      assert.fail(`${problems.map((p) => p.problem).join('\n')}\n${lines.join('\n')}`);
    }
    for (const to of refused) assert.equal(messagesFor(stack.mx, to).length, 0, `${to} refused`);
    for (const to of unknown) assert.ok(messagesFor(stack.mx, to).length <= 1, to);
  });
});

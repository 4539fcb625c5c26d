import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createSubmissionService, loadTls } from '../relay/src/submission/index.ts';
import type { SubmissionService } from '../relay/src/submission/index.ts';
import { openRaw } from './support/raw-smtp.ts';

// B14 in one process, so its handles and timers can be counted: 1,000 clients reset the TCP
// connection in the middle of DATA. The queue and quota are in memory; the subject is what the
// submission layer does with a transaction cut short.

const USER = { id: 'u1', address: 'alice@sender.test', tenant: 'acme', confirmations: true };
// Each connection takes about 100 ms: smtp-server 3.21 waits a fixed 100 ms before its greeting
// to catch clients that talk first (connectionReady in its smtp-connection.js). That wait is not
// configurable and guards real users' sessions too, so it stays. The reverse lookup of the
// client's address, for the Received header, answers at once on loopback; smtp-server bounds it
// at 1.5 s elsewhere.
const REPETITIONS = 1_000;

describe('client resets mid-DATA, repeated', () => {
  let service: SubmissionService;
  const queued: string[] = [];
  const reserved: number[] = [];

  before(async () => {
    const tls = await loadTls({ selfSignedFor: 'relay.test' });
    const allowed = { allowed: true as const, used: 0, limit: 1_000_000 };
    service = createSubmissionService(
      {
        host: '127.0.0.1',
        port: 0,
        tlsPort: 0,
        tls,
        maxMessageSize: 1 << 20,
        allowInsecureAuth: true,
      },
      {
        tenant: 'acme',
        relayHostName: 'relay.test',
        maxRecipients: 10,
        verifyCredentials: async () => ({ ok: true, user: USER }),
        quota: {
          check: async () => allowed,
          reserve: async () => {
            reserved.push(Date.now());
            return allowed;
          },
          release: async () => undefined,
        },
        queue: {
          bodyStoreFor: () => 'kv',
          enqueue: async (entry) => void queued.push(entry.queueId),
          readBody: async () => null,
          removeBody: async () => undefined,
        },
        newQueueId: () => `Q${queued.length + 1}`,
        log: pino({ level: 'silent' }),
      },
    );
    await service.listen();
  });

  after(async () => {
    await service?.close();
  });

  async function resetMidData() {
    const client = await openRaw({ port: service.ports.starttls });
    await client.login(USER.address, 'any');
    assert.equal((await client.command(`MAIL FROM:<${USER.address}>`)).code, 250);
    assert.equal((await client.command('RCPT TO:<bob@recipient.test>')).code, 250);
    assert.equal((await client.command('DATA')).code, 354);
    client.write('Subject: partial\r\n\r\nfirst half of the body');
    await new Promise((r) => setImmediate(r));
    client.reset();
  }

  /** Handles and timers the process holds, by kind (Node's own count). */
  function resources(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const kind of process.getActiveResourcesInfo()) {
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return counts;
  }

  async function settle() {
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 10));
  }

  it('queues nothing, stays up and holds no more handles after 1,000 resets', async () => {
    for (let i = 0; i < 20; i++) await resetMidData();
    await settle();
    const baseline = resources();

    for (let i = 0; i < REPETITIONS; i++) await resetMidData();
    await settle();
    const end = resources();

    assert.deepEqual(queued, []);
    assert.deepEqual(reserved, [], 'no quota slot taken for a message not received in full');
    for (const kind of new Set([...baseline.keys(), ...end.keys()])) {
      assert.ok((end.get(kind) ?? 0) <= (baseline.get(kind) ?? 0), `${kind} grew`);
    }

    // The next client is greeted and can send.
    const client = await openRaw({ port: service.ports.starttls });
    assert.equal(client.greeting.code, 220);
    await client.login(USER.address, 'any');
    await client.command(`MAIL FROM:<${USER.address}>`);
    await client.command('RCPT TO:<bob@recipient.test>');
    await client.command('DATA');
    client.write('Subject: whole\r\n\r\nHi.\r\n.\r\n');
    assert.equal((await client.reply()).code, 250);
    client.close();
    assert.deepEqual(queued, ['Q1']);
  });
});

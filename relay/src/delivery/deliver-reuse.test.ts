import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger, transcriptSchema, type Transcript } from '#shared';
import { createConnectionPool, type ConnectionPool } from './connection-pool.ts';
import { deliverToDomain, type DeliveryJob } from './deliver.ts';
import { staticResolver } from './testing/fake-resolver.ts';
import { makeJob } from './testing/job.ts';
import { basicScript, CLOSE, startScriptedMx, type ScriptedMx } from './testing/scripted-mx.ts';

const log = createLogger('delivery-test', process.env.LOG_LEVEL ?? 'silent');
const resolver = staticResolver([{ host: 'mx.test', preference: 10, addresses: ['127.0.0.1'] }]);

describe('deliverToDomain reusing connections', () => {
  const servers: ScriptedMx[] = [];
  const pools: ConnectionPool[] = [];
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await Promise.all(servers.map((s) => s.close()));
  });

  async function setUp(script = basicScript({}), maxMessages = 20) {
    const mx = await startScriptedMx(script);
    servers.push(mx);
    const pool = createConnectionPool({ maxMessages, idleTimeoutMs: 30_000, log });
    pools.push(pool);
    const deliver = async (job: DeliveryJob): Promise<Transcript[]> => {
      const transcripts = await deliverToDomain(job, {
        resolver,
        port: mx.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        pool,
        log,
      });
      return transcripts.map((t) => transcriptSchema.parse(t));
    };
    return { mx, pool, deliver };
  }

  it('sends two messages over one connection, with RSET before the second MAIL (B07 C)', async () => {
    const { mx, pool, deliver } = await setUp();
    const [first] = await deliver(makeJob({ recipients: ['bob@example.net'] }));
    const [second] = await deliver(makeJob({ recipients: ['carol@example.net'] }));
    await pool.close();

    assert.equal(mx.connections.length, 1, 'one TCP connection');
    assert.deepEqual(mx.connections[0]?.commands, [
      'EHLO relay.test',
      'MAIL FROM:<alice@example.org> BODY=8BITMIME',
      'RCPT TO:<bob@example.net>',
      'DATA',
      'RSET',
      'MAIL FROM:<alice@example.org> BODY=8BITMIME',
      'RCPT TO:<carol@example.net>',
      'DATA',
      'QUIT',
    ]);
    assert.equal(mx.connections[0]?.messages.length, 2);
    assert.deepEqual(
      first?.steps.map((s) => s.kind),
      ['connect', 'banner', 'ehlo', 'mail', 'rcpt', 'data', 'message'],
    );
    assert.deepEqual(
      second?.steps.map((s) => s.kind),
      ['note', 'rset', 'mail', 'rcpt', 'data', 'message'],
    );
    assert.match(
      second?.steps[0]?.note ?? '',
      /^reusing connection 1 to 127\.0\.0\.1:\d+: 1 message\(s\) sent on it before; TLS not used$/,
    );
    assert.deepEqual(
      [first?.outcome, second?.outcome, second?.recipients[0]?.address],
      ['delivered', 'delivered', 'carol@example.net'],
    );
    assert.notEqual(first?.attemptId, second?.attemptId);
  });

  it('does not reuse a connection whose end of data went unanswered', async () => {
    let dots = 0;
    const script = basicScript({});
    script.endOfData = () => (dots++ === 0 ? [] : ['250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3']);
    const { mx, pool, deliver } = await setUp(script);
    // The first end of data gets no reply: the relay gives up after the end-of-data timeout.
    const job = makeJob({ recipients: ['bob@example.net'] });
    const [first] = await deliverToDomain(job, {
      resolver,
      port: mx.port,
      heloName: 'relay.test',
      allowPrivateAddresses: true,
      pool,
      timeouts: { endOfDataMs: 300 },
      log,
    });
    const [second] = await deliver(makeJob({ recipients: ['carol@example.net'] }));

    assert.equal(first?.outcome, 'deferred');
    assert.equal(mx.connections.length, 2, 'a new connection for the second message');
    assert.equal(mx.connections[0]?.commands.includes('RSET'), false);
    assert.deepEqual([second?.steps[0]?.kind, second?.outcome], ['connect', 'delivered']);
  });

  it('opens a new connection, in the same transcript, when the reused one refuses RSET', async () => {
    const script = basicScript({
      overrides: (c) => (c === 'RSET' ? ['421 4.4.2 mx.test closing', CLOSE] : undefined),
    });
    const { mx, pool, deliver } = await setUp(script);
    await deliver(makeJob({ recipients: ['bob@example.net'] }));
    const [second, ...rest] = await deliver(makeJob({ recipients: ['carol@example.net'] }));
    await pool.close();

    assert.equal(rest.length, 0);
    assert.deepEqual(
      second?.steps.map((s) => s.kind),
      ['note', 'rset', 'note', 'connect', 'banner', 'ehlo', 'mail', 'rcpt', 'data', 'message'],
    );
    assert.equal(second?.steps[1]?.reply?.code, 421);
    assert.match(second?.steps[2]?.note ?? '', /^reused connection 1 failed/);
    assert.deepEqual([second?.outcome, second?.error], ['delivered', null]);
    assert.equal(mx.connections.length, 2);
    assert.deepEqual(
      mx.connections.map((c) => c.messages.length),
      [1, 1],
    );
  });

  it('closes a connection once it has carried the most messages allowed', async () => {
    const { mx, pool, deliver } = await setUp(basicScript({}), 2);
    for (const to of ['a@example.net', 'b@example.net', 'c@example.net']) {
      await deliver(makeJob({ recipients: [to] }));
    }
    await pool.close();

    assert.deepEqual(
      mx.connections.map((c) => c.messages.length),
      [2, 1],
    );
    assert.equal(mx.connections[0]?.commands.at(-1), 'QUIT');
  });
});

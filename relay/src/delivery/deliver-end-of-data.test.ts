import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger, transcriptSchema } from '#shared';
import { deliverToDomain } from './deliver.ts';
import { staticResolver } from './testing/fake-resolver.ts';
import { makeJob } from './testing/job.ts';
import { basicScript, startScriptedMx, type ScriptedMx } from './testing/scripted-mx.ts';

const log = createLogger('delivery-test', process.env.LOG_LEVEL ?? 'silent');
const resolver = staticResolver([{ host: 'mx.test', preference: 10, addresses: ['127.0.0.1'] }]);
const END_OF_DATA = '\r\n.\r\n';

// The worker records "this attempt may have reached the server" before each final dot, so that
// a run whose outcome is lost is known to have possibly delivered (see queue/worker.ts).
describe('deliverToDomain before the final dot', () => {
  const servers: ScriptedMx[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  async function deliver(beforeEndOfData: (mx: ScriptedMx) => Promise<void>) {
    const mx = await startScriptedMx(basicScript({}));
    servers.push(mx);
    const job = makeJob({ recipients: ['bob@example.net'] });
    const transcripts = await deliverToDomain(
      { ...job, beforeEndOfData: () => beforeEndOfData(mx) },
      { resolver, port: mx.port, heloName: 'relay.test', allowPrivateAddresses: true, log },
    );
    for (const t of transcripts) transcriptSchema.parse(t);
    return { mx, transcripts, job };
  }

  it('waits for the hook with the whole body written and the dot not yet sent', async () => {
    let seen = '';
    const body = makeJob({ recipients: ['bob@example.net'] }).body.toString('latin1');
    const { mx, transcripts, job } = await deliver(async (server) => {
      // The body is on its way: wait (up to 5 s) until the server has all of it.
      const received = () => server.connections[0]?.bytes.toString('latin1') ?? '';
      const end = Date.now() + 5_000;
      while (!received().endsWith(body) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 10));
      }
      seen = received();
    });

    assert.ok(seen.endsWith(job.body.toString('latin1')), 'body written before the hook');
    assert.equal(seen.includes(END_OF_DATA), false, 'no final dot before the hook');
    assert.equal(transcripts[0]?.outcome, 'delivered');
    assert.equal(mx.connections[0]?.messages.length, 1);
  });

  it('withholds the dot and closes when the hook fails, so the server discards the message', async () => {
    const { mx, transcripts } = await deliver(async () => {
      throw new Error('NATS is away');
    });

    assert.equal(transcripts.length, 1);
    const [t] = transcripts;
    assert.equal(t?.outcome, 'deferred');
    assert.match(t?.error ?? '', /final dot withheld/);
    assert.deepEqual(mx.connections[0]?.messages, []);
    assert.equal(mx.connections[0]?.commands.includes('QUIT'), false);
    assert.equal(mx.connections[0]?.bytes.toString('latin1').includes(END_OF_DATA), false);
  });
});

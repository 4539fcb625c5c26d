import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger, transcriptSchema, type Transcript } from '#shared';
import { NULL_MX_HOST, startDns, type DnsInstance } from '../../../scripts/stack/dns.ts';
import { freePort } from '../../../scripts/stack/process.ts';
import { deliverToDomain } from './deliver.ts';
import { createMxResolver, type MxResolver } from './mx.ts';
import { makeJob } from './testing/job.ts';
import { basicScript, startScriptedMx, type ScriptedMx } from './testing/scripted-mx.ts';

const log = createLogger('delivery-test', process.env.LOG_LEVEL ?? 'silent');
const timeouts = {
  connectMs: 2_000,
  greetingMs: 2_000,
  mailMs: 5_000,
  rcptMs: 5_000,
  dataInitMs: 5_000,
  dataBlockMs: 5_000,
  endOfDataMs: 5_000,
};

// B11 on real DNS: dnsmasq serves example.org; every server listens on one port, on its own
// loopback address, as mail servers all listen on port 25 at their own addresses.
describe('deliverToDomain with MX records from DNS (B11)', () => {
  let dir: string;
  let dns: DnsInstance;
  let resolver: MxResolver;
  let port: number;
  let mx2: ScriptedMx;
  let nullTarget: ScriptedMx;
  let v6: ScriptedMx;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-dns-'));
    mx2 = await startScriptedMx(basicScript({ extensions: ['8BITMIME', 'SMTPUTF8'] }), {
      host: '127.0.0.2',
    });
    port = mx2.port;
    nullTarget = await startScriptedMx(basicScript({}), { host: '127.0.0.3', port });
    v6 = await startScriptedMx(basicScript({}), { host: '::1', port });
    dns = await startDns({
      dir,
      zones: [
        {
          domain: 'example.org',
          mx: [
            { domain: 'null-mx.example.org', host: NULL_MX_HOST, preference: 0 },
            { domain: 'two.example.org', host: 'mx1.two.example.org', preference: 10 },
            { domain: 'two.example.org', host: 'mx2.two.example.org', preference: 20 },
            { domain: 'v6.example.org', host: 'mx.v6.example.org', preference: 10 },
            { domain: 'xn--bcher-kva.example.org', host: 'mx2.two.example.org', preference: 5 },
          ],
          hosts: [
            { name: 'no-mx.example.org', addresses: ['127.0.0.2'] },
            { name: 'null-mx.example.org', addresses: ['127.0.0.3'] },
            // Nothing listens on 127.0.0.4: the connection is refused.
            { name: 'mx1.two.example.org', addresses: ['127.0.0.4'] },
            { name: 'mx2.two.example.org', addresses: ['127.0.0.2'] },
            { name: 'mx.v6.example.org', addresses: ['::1'] },
          ],
        },
      ],
    });
    resolver = createMxResolver({ servers: [dns.server], timeoutMs: 500 });
  });

  after(async () => {
    await dns?.stop();
    await Promise.all([mx2?.close(), nullTarget?.close(), v6?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  async function deliver(
    recipient: string,
    using = resolver,
    allowPrivateAddresses = true,
  ): Promise<Transcript[]> {
    const job = makeJob({ recipients: [recipient] });
    const transcripts = await deliverToDomain(job, {
      resolver: using,
      port,
      heloName: 'relay.test',
      allowPrivateAddresses,
      timeouts,
      log,
    });
    return transcripts.map((t) => transcriptSchema.parse(t));
  }

  it('delivers to the A record of a domain without MX (implicit MX)', async () => {
    const before = mx2.connections.length;
    const [t, ...rest] = await deliver('u@no-mx.example.org');
    assert.equal(rest.length, 0);
    assert.deepEqual(t?.mx, { host: 'no-mx.example.org', ip: '127.0.0.2', port, preference: null });
    assert.equal(t?.outcome, 'delivered');
    assert.equal(mx2.connections.length, before + 1);
    assert.ok(mx2.connections.at(-1)?.commands.includes('RCPT TO:<u@no-mx.example.org>'));
  });

  // A relay must not be a way into its own network: every address here is loopback.
  it('bounces with 5.4.4, connecting nowhere, when every MX address is internal', async () => {
    const before = mx2.connections.length;
    const [t, ...rest] = await deliver('u@two.example.org', resolver, false);
    assert.equal(rest.length, 0);
    assert.deepEqual([t?.outcome, t?.steps, t?.mx], ['bounced', [], null]);
    assert.equal(
      t?.recipients[0]?.reason,
      '5.4.4 the mail servers of two.example.org have only internal addresses, which the relay ' +
        'does not deliver to: mx1.two.example.org [127.0.0.4 loopback]; ' +
        'mx2.two.example.org [127.0.0.2 loopback]',
    );
    assert.equal(mx2.connections.length, before);
  });

  it('bounces a null MX domain with 5.1.10 without connecting to its A record', async () => {
    const [t, ...rest] = await deliver('u@null-mx.example.org');
    assert.equal(rest.length, 0);
    assert.deepEqual(
      t?.recipients.map((r) => [r.status, r.reason?.slice(0, 6)]),
      [['bounced', '5.1.10']],
    );
    assert.deepEqual(t?.steps, []);
    assert.equal(nullTarget.connections.length, 0);
  });

  it('bounces a domain that does not exist (NXDOMAIN)', async () => {
    const [t] = await deliver('u@nx.example.org');
    assert.deepEqual(
      t?.recipients.map((r) => [r.status, r.reason?.slice(0, 5)]),
      [['bounced', '5.1.2']],
    );
  });

  it('defers, to retry, when the DNS server fails or does not answer', async () => {
    // dnsmasq answers REFUSED outside its zones, as a broken server answers SERVFAIL.
    const [refused] = await deliver('u@servfail.example.com');
    const silent = createMxResolver({ servers: [`127.0.0.1:${await freePort()}`], timeoutMs: 200 });
    const [timedOut] = await deliver('u@example.org', silent);
    for (const t of [refused, timedOut]) {
      assert.equal(t?.outcome, 'deferred');
      assert.match(t?.recipients[0]?.reason ?? '', /^4\.4\.3 MX look-up for \S+ failed/);
    }
  });

  it('records the refused first MX, then delivers through the second', async () => {
    const transcripts = await deliver('u@two.example.org');
    assert.deepEqual(
      transcripts.map((t) => [t.hostIndex, t.mx?.host, t.mx?.ip, t.mx?.preference, t.outcome]),
      [
        [0, 'mx1.two.example.org', '127.0.0.4', 10, 'deferred'],
        [1, 'mx2.two.example.org', '127.0.0.2', 20, 'delivered'],
      ],
    );
    assert.match(transcripts[0]?.error ?? '', /ECONNREFUSED/);
  });

  it('delivers over IPv6 to an MX host that has only an AAAA record', async () => {
    const [t] = await deliver('u@v6.example.org');
    assert.deepEqual(
      [t?.mx?.host, t?.mx?.ip, t?.outcome],
      ['mx.v6.example.org', '::1', 'delivered'],
    );
    assert.equal(v6.connections[0]?.messages.length, 1);
  });

  it('looks an internationalised domain up by its A-label', async () => {
    const [t] = await deliver('u@bücher.example.org');
    assert.deepEqual(
      [t?.domain, t?.mx?.host, t?.outcome],
      ['bücher.example.org', 'mx2.two.example.org', 'delivered'],
    );
  });
});

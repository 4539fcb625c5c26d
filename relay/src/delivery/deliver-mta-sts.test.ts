import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { generate } from 'selfsigned';
import { createLogger, transcriptSchema, type Transcript } from '#shared';
import { startDns, type DnsInstance, type DnsZone } from '../../../scripts/stack/dns.ts';
import { deliverToDomain } from './deliver.ts';
import { createMtaStsPolicies, type TlsPolicySource } from './mta-sts.ts';
import { createMxResolver, type MxResolver } from './mx.ts';
import { makeJob } from './testing/job.ts';
import { startSmtpServerMx, type SmtpServerMx } from './testing/smtp-server-mx.ts';

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
const sha256 = { keySize: 2048, algorithm: 'sha256' } as const;

/** Each domain's policy file, served at https://mta-sts.<domain>/.well-known/mta-sts.txt. */
const POLICIES: Record<string, string> = {
  'enforce-bad.test': 'version: STSv1\nmode: enforce\nmx: mx.enforce-bad.test\nmax_age: 86400\n',
  'enforce-good.test': 'version: STSv1\nmode: enforce\nmx: *.enforce-good.test\nmax_age: 86400\n',
  'enforce-other.test': 'version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 86400\n',
  'testing.test': 'version: STSv1\nmode: testing\nmx: mx.testing.test\nmax_age: 86400\n',
};
const POLICY_ID = '20260101T000000';

// RFC 8461 end to end: dnsmasq publishes the _mta-sts TXT records and the policy hosts, an HTTPS
// server on port 443 of a loopback address serves the policies with a certificate from a test
// CA, and smtp-server MXs present either that CA's certificate or a self-signed one.
describe('deliverToDomain under MTA-STS policies (B17 enforce)', () => {
  let dir: string;
  let dns: DnsInstance;
  let https: Server;
  let resolver: MxResolver;
  let policies: TlsPolicySource;
  let ca: { private: string; cert: string };
  const fetched: string[] = [];
  const servers: { close(): Promise<void> }[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-mta-sts-'));
    ca = await generate([{ name: 'commonName', value: 'Zajoni test CA' }], {
      ...sha256,
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true },
      ],
    });
    // mailauth fetches with Node's default CAs; the relay's operators use NODE_EXTRA_CA_CERTS.
    setDefaultCACertificates([...getCACertificates('default'), ca.cert]);
    const policyHosts = Object.keys(POLICIES).map((d) => `mta-sts.${d}`);
    const policyCert = await signed(policyHosts);
    https = createServer({ key: policyCert.private, cert: policyCert.cert }, (req, res) => {
      const domain = (req.headers.host ?? '').replace(/^mta-sts\./, '');
      fetched.push(domain);
      const policy = POLICIES[domain];
      if (req.url !== '/.well-known/mta-sts.txt' || !policy) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(policy);
    });
    const policyIp = await listenOn443(https);
    dns = await startDns({
      dir,
      zones: Object.keys(POLICIES).map((domain): DnsZone => ({
        domain,
        mx: [{ host: `mx.${domain}`, preference: 10 }],
        hosts: [
          { name: `mx.${domain}`, addresses: ['127.0.0.1'] },
          { name: `mta-sts.${domain}`, addresses: [policyIp] },
        ],
        txt: [{ name: `_mta-sts.${domain}`, text: `v=STSv1; id=${POLICY_ID}` }],
      })),
    });
    resolver = createMxResolver({ servers: [dns.server] });
    policies = createMtaStsPolicies({ servers: [dns.server], log });
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    https?.close();
    await dns?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function signed(names: string[]) {
    return generate([{ name: 'commonName', value: names[0] ?? '' }], {
      ...sha256,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
      ],
    });
  }

  async function mxWith(cert: { private: string; cert: string }): Promise<SmtpServerMx> {
    const mx = await startSmtpServerMx({
      queueId: '4ZxK2b1Q9Nz3',
      tls: { key: cert.private, cert: cert.cert },
    });
    servers.push(mx);
    return mx;
  }

  async function deliver(domain: string, port: number): Promise<Transcript[]> {
    const job = makeJob({ recipients: [`bob@${domain}`] });
    const transcripts = await deliverToDomain(job, {
      resolver,
      policies,
      port,
      heloName: 'relay.test',
      allowPrivateAddresses: true,
      timeouts,
      trustedCa: [ca.cert],
      log,
    });
    for (const t of transcripts) transcriptSchema.parse(t);
    return transcripts;
  }

  it('defers, and sends nothing in cleartext, when an enforced policy meets a self-signed MX', async () => {
    const self = await generate([{ name: 'commonName', value: 'mx.enforce-bad.test' }], sha256);
    const mx = await mxWith(self);
    const transcripts = await deliver('enforce-bad.test', mx.port);

    assert.equal(transcripts.length, 1, 'no cleartext retry');
    const [t] = transcripts;
    assert.deepEqual(t?.policy, {
      kind: 'mta-sts',
      mode: 'enforce',
      id: POLICY_ID,
      mx: ['mx.enforce-bad.test'],
    });
    assert.deepEqual(
      t?.steps.map((s) => s.kind),
      ['note', 'connect', 'banner', 'ehlo', 'starttls', 'tls'],
    );
    assert.match(t?.steps[0]?.note ?? '', /^MTA-STS policy 20260101T000000 \(enforce\)/);
    assert.equal(t?.tls?.verified, false);
    assert.match(t?.tls?.verifyError ?? '', /self.signed/i);
    assert.equal(t?.outcome, 'deferred');
    assert.match(t?.recipients[0]?.reason ?? '', /^4\.4\.2 TLS handshake failed/);
    assert.deepEqual([mx.mailFrom, mx.messages], [[], []]);
  });

  it('delivers over verified TLS to an MX the enforced policy names, fetching the policy once', async () => {
    const mx = await mxWith(await signed(['mx.enforce-good.test']));
    const first = await deliver('enforce-good.test', mx.port);
    const second = await deliver('enforce-good.test', mx.port);

    for (const transcripts of [first, second]) {
      assert.equal(transcripts.length, 1);
      const [t] = transcripts;
      assert.deepEqual(
        [t?.outcome, t?.tls?.verified, t?.tls?.verifyError],
        ['delivered', true, null],
      );
      assert.deepEqual(t?.policy, {
        kind: 'mta-sts',
        mode: 'enforce',
        id: POLICY_ID,
        mx: ['*.enforce-good.test'],
      });
    }
    assert.deepEqual(
      mx.messages.map((m) => m.secure),
      [true, true],
    );
    // RFC 8461 section 5.1: the TXT id is unchanged and max_age not reached, so no new fetch.
    assert.equal(fetched.filter((d) => d === 'enforce-good.test').length, 1);
  });

  it('defers without connecting when an enforced policy names none of the MX hosts', async () => {
    const mx = await mxWith(await signed(['mx.enforce-other.test']));
    const transcripts = await deliver('enforce-other.test', mx.port);

    assert.equal(transcripts.length, 1);
    const [t] = transcripts;
    assert.deepEqual([t?.outcome, t?.mx, t?.steps], ['deferred', null, []]);
    assert.match(t?.recipients[0]?.reason ?? '', /^4\.7\.5 MTA-STS policy allows mx\.elsewhere/);
    assert.equal(t?.policy?.mode, 'enforce');
    assert.deepEqual(mx.mailFrom, []);
  });

  it('delivers as usual under a testing policy and notes what enforce would have refused', async () => {
    const self = await generate([{ name: 'commonName', value: 'mx.testing.test' }], sha256);
    const mx = await mxWith(self);
    const transcripts = await deliver('testing.test', mx.port);

    assert.equal(transcripts.length, 1);
    const [t] = transcripts;
    assert.deepEqual(
      [t?.outcome, t?.tls?.verified, t?.policy?.mode],
      ['delivered', false, 'testing'],
    );
    const notes = t?.steps.filter((s) => s.kind === 'note').map((s) => s.note) ?? [];
    assert.equal(notes.length, 2);
    assert.match(notes[0] ?? '', /^MTA-STS policy 20260101T000000 \(testing\)/);
    assert.match(
      notes[1] ?? '',
      /^MTA-STS testing: enforce mode would refuse this connection: certificate not verified/,
    );
    assert.deepEqual(
      mx.messages.map((m) => m.secure),
      [true],
    );
  });

  it('records no policy for a domain without an _mta-sts record', async () => {
    assert.equal(await policies.lookup('no-policy.enforce-good.test'), null);
  });
});

/** Listens on port 443 of a random 127/8 address, so parallel runs do not collide. */
async function listenOn443(server: Server): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const ip = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
    server.listen(443, ip);
    const [event] = await Promise.race([once(server, 'listening'), once(server, 'error')]);
    if (event === undefined) return ip;
    if (attempt > 5) throw new Error('cannot listen on port 443 of a loopback address');
  }
}

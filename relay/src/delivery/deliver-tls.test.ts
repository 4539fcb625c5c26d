import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { createLogger, transcriptSchema, type Transcript } from '#shared';
import { deliverToDomain } from './deliver.ts';
import { staticResolver } from './testing/fake-resolver.ts';
import { makeJob } from './testing/job.ts';
import { basicScript, CLOSE, startScriptedMx } from './testing/scripted-mx.ts';
import { startSmtpServerMx } from './testing/smtp-server-mx.ts';

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
const resolver = staticResolver([{ host: 'mx.test', preference: 10, addresses: ['127.0.0.1'] }]);

function validated(transcripts: Transcript[]): Transcript[] {
  for (const t of transcripts) transcriptSchema.parse(t);
  return transcripts;
}

describe('deliverToDomain with STARTTLS', () => {
  let pems: { private: string; cert: string };
  const servers: { close(): Promise<void> }[] = [];
  before(async () => {
    pems = await generate([{ name: 'commonName', value: 'mx.test' }], {
      keySize: 2048,
      algorithm: 'sha256',
    });
  });
  after(() => Promise.all(servers.map((s) => s.close())));

  it('delivers over TLS to a self-signed server and records that the certificate was not verified', async () => {
    const mx = await startSmtpServerMx({
      queueId: '4ZxK2b1Q9Nz3',
      tls: { key: pems.private, cert: pems.cert },
    });
    servers.push(mx);
    const job = makeJob({ recipients: ['bob@example.net'] });
    const transcripts = validated(
      await deliverToDomain(job, {
        resolver,
        port: mx.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        timeouts,
        log,
      }),
    );

    assert.equal(transcripts.length, 1);
    const [t] = transcripts;
    assert.deepEqual(
      t?.steps.map((s) => s.kind),
      [
        'connect',
        'banner',
        'ehlo',
        'starttls',
        'tls',
        'ehlo',
        'mail',
        'rcpt',
        'data',
        'message',
        'quit',
      ],
    );
    const starttls = t?.steps.find((s) => s.kind === 'starttls');
    assert.deepEqual([starttls?.command, starttls?.reply?.code], ['STARTTLS', 220]);
    // After the handshake each reply still belongs to its own command, in text and in bytes.
    const replies = (kind: string) =>
      t?.steps
        .filter((s) => s.kind === kind)
        .map((s) => [
          s.reply?.lines.at(-1),
          Buffer.from(s.reply?.raw ?? '', 'base64')
            .toString('utf8')
            .trimEnd()
            .split('\r\n')
            .at(-1),
        ]);
    assert.deepEqual(replies('ehlo')?.at(-1), ['250 SIZE 10240000', '250 SIZE 10240000']);
    assert.deepEqual(replies('mail'), [['250 2.1.0 Accepted', '250 2.1.0 Accepted']]);
    assert.deepEqual(replies('rcpt'), [['250 2.1.5 Accepted', '250 2.1.5 Accepted']]);
    assert.equal(t?.tls?.verified, false);
    assert.equal(t?.tls?.verifyError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.match(t?.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.ok(t?.tls?.cipher);
    assert.equal(t?.tls?.peerSubject, 'CN=mx.test');
    assert.equal(t?.tls?.peerIssuer, 'CN=mx.test');
    assert.equal(t?.tls?.fingerprint256, new X509Certificate(pems.cert).fingerprint256);
    assert.match(
      t?.steps.find((s) => s.kind === 'tls')?.note ?? '',
      /certificate not verified \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
    );
    assert.deepEqual([t?.outcome, t?.remoteQueueId], ['delivered', '4ZxK2b1Q9Nz3']);
    assert.deepEqual(
      mx.messages.map((m) => m.secure),
      [true],
    );
  });

  it('goes on in cleartext on the same connection when STARTTLS is refused (RFC 3207 section 4.1)', async () => {
    const mx = await startScriptedMx(
      basicScript({
        extensions: ['PIPELINING', 'STARTTLS'],
        overrides: (c) =>
          c === 'STARTTLS' ? ['454 4.7.0 TLS not available due to local problem'] : undefined,
      }),
    );
    servers.push(mx);
    const transcripts = validated(
      await deliverToDomain(makeJob({ recipients: ['bob@example.net'] }), {
        resolver,
        port: mx.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        timeouts,
        log,
      }),
    );

    assert.equal(transcripts.length, 1);
    const [t] = transcripts;
    assert.deepEqual(
      t?.steps.map((s) => s.kind),
      ['connect', 'banner', 'ehlo', 'starttls', 'mail', 'rcpt', 'data', 'message', 'quit'],
    );
    assert.equal(t?.steps.find((s) => s.kind === 'starttls')?.reply?.code, 454);
    assert.deepEqual([t?.tls, t?.outcome], [null, 'delivered']);
    assert.equal(mx.connections.length, 1);
  });

  it('retries in cleartext on a new connection when the TLS handshake fails', async () => {
    const mx = await startScriptedMx(
      basicScript({
        extensions: ['PIPELINING', 'STARTTLS'],
        // Says yes to STARTTLS, then hangs up instead of negotiating.
        overrides: (c) => (c === 'STARTTLS' ? ['220 2.0.0 Ready to start TLS', CLOSE] : undefined),
      }),
    );
    servers.push(mx);
    const job = makeJob({ recipients: ['bob@example.net'] });
    const transcripts = validated(
      await deliverToDomain(job, {
        resolver,
        port: mx.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        timeouts,
        log,
      }),
    );

    assert.equal(transcripts.length, 2);
    const [failed, plain] = transcripts;
    assert.deepEqual(
      failed?.steps.map((s) => s.kind),
      ['connect', 'banner', 'ehlo', 'starttls', 'tls'],
    );
    assert.match(failed?.steps.at(-1)?.note ?? '', /^failed: /);
    assert.equal(failed?.tls?.version, null);
    assert.equal(failed?.tls?.verified, false);
    assert.ok(failed?.tls?.verifyError);
    assert.deepEqual(
      failed?.recipients.map((r) => r.status),
      ['deferred'],
    );
    assert.deepEqual(
      [plain?.hostIndex, plain?.mx?.ip, plain?.tls, plain?.outcome],
      [1, '127.0.0.1', null, 'delivered'],
    );
    assert.equal(
      plain?.steps.some((s) => s.kind === 'starttls'),
      false,
    );
    assert.deepEqual(
      mx.connections.map((c) => c.commands.includes('STARTTLS')),
      [true, false],
    );
    assert.equal(mx.connections[1]?.messages.length, 1);
  });

  // B17: certificates that do not verify are still used: TLS without verification, recorded.
  async function deliverWithCert(cert: { private: string; cert: string }, trusted: string) {
    const mx = await startSmtpServerMx({
      queueId: '4ZxK2b1Q9Nz3',
      tls: { key: cert.private, cert: cert.cert },
    });
    servers.push(mx);
    const transcripts = validated(
      await deliverToDomain(makeJob({ recipients: ['bob@example.net'] }), {
        resolver,
        port: mx.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        timeouts,
        trustedCa: [trusted],
        log,
      }),
    );
    assert.equal(transcripts.length, 1, 'one connection, no cleartext retry');
    return { t: transcripts[0], mx };
  }

  const sha256 = { keySize: 2048, algorithm: 'sha256' } as const;

  it('verifies a certificate from a trusted CA that names the MX host', async () => {
    const good = await generate([{ name: 'commonName', value: 'mx.test' }], sha256);
    const { t, mx } = await deliverWithCert(good, good.cert);
    assert.deepEqual([t?.tls?.verified, t?.tls?.verifyError], [true, null]);
    assert.deepEqual(
      mx.messages.map((m) => m.secure),
      [true],
    );
  });

  it('delivers over TLS, unverified, when a trusted certificate names another host', async () => {
    const other = await generate([{ name: 'commonName', value: 'other.example.net' }], sha256);
    const { t, mx } = await deliverWithCert(other, other.cert);
    assert.deepEqual(
      [t?.tls?.verified, t?.tls?.verifyError, t?.tls?.peerSubject],
      [false, 'ERR_TLS_CERT_ALTNAME_INVALID', 'CN=other.example.net'],
    );
    assert.match(t?.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.equal(t?.outcome, 'delivered');
    assert.deepEqual(
      mx.messages.map((m) => m.secure),
      [true],
    );
  });

  it('delivers over TLS, unverified, when the certificate has expired', async () => {
    const expired = await generate([{ name: 'commonName', value: 'mx.test' }], {
      ...sha256,
      notBeforeDate: new Date('2020-01-01T00:00:00Z'),
      notAfterDate: new Date('2021-01-01T00:00:00Z'),
    });
    const { t, mx } = await deliverWithCert(expired, expired.cert);
    assert.deepEqual([t?.tls?.verified, t?.tls?.verifyError], [false, 'CERT_HAS_EXPIRED']);
    assert.equal(t?.outcome, 'delivered');
    assert.deepEqual(
      mx.messages.map((m) => m.secure),
      [true],
    );
  });
});

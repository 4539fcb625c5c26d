import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger, transcriptSchema, type Transcript } from '#shared';
import { deliverToDomain, type DeliveryJob } from './deliver.ts';
import { staticResolver } from './testing/fake-resolver.ts';
import { makeJob } from './testing/job.ts';
import { basicScript, startScriptedMx, type ScriptedMx } from './testing/scripted-mx.ts';

const log = createLogger('delivery-test', process.env.LOG_LEVEL ?? 'silent');
const timeouts = { connectMs: 2_000, greetingMs: 2_000, socketMs: 5_000 };
const resolver = staticResolver([{ host: 'mx.test', preference: 10, addresses: ['127.0.0.1'] }]);

async function deliver(job: DeliveryJob, mx: ScriptedMx): Promise<Transcript | undefined> {
  const transcripts = await deliverToDomain(job, {
    resolver,
    port: mx.port,
    heloName: 'relay.test',
    timeouts,
    log,
  });
  assert.equal(transcripts.length, 1);
  return transcriptSchema.parse(transcripts[0]);
}

function isAscii(bytes: Buffer): boolean {
  return bytes.every((b) => b < 0x80);
}

describe('deliverToDomain and SMTPUTF8 (RFC 6531)', () => {
  const servers: ScriptedMx[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  it('bounces a UTF-8 recipient with 5.6.7 and sends no transaction to a server without SMTPUTF8', async () => {
    const mx = await startScriptedMx(basicScript({ extensions: ['PIPELINING', '8BITMIME'] }));
    servers.push(mx);
    const t = await deliver(makeJob({ recipients: ['jörg@example.net'] }), mx);

    assert.deepEqual(mx.connections[0]?.commands, ['EHLO relay.test', 'QUIT']);
    assert.ok(isAscii(mx.connections[0]?.bytes ?? Buffer.from('é')));
    assert.deepEqual(
      t?.recipients.map((r) => [r.address, r.status, r.reply]),
      [['jörg@example.net', 'bounced', null]],
    );
    assert.match(
      t?.recipients[0]?.reason ?? '',
      /^5\.6\.7 the recipient address needs SMTPUTF8 .*mx\.test \[127\.0\.0\.1\]/,
    );
    assert.deepEqual(
      t?.steps.map((s) => s.kind),
      ['connect', 'banner', 'ehlo', 'error', 'quit'],
    );
    assert.equal(t?.outcome, 'bounced');
  });

  it('still delivers to the ASCII recipient next to a refused UTF-8 one, in ASCII only', async () => {
    const mx = await startScriptedMx(basicScript({ extensions: ['PIPELINING'] }));
    servers.push(mx);
    const t = await deliver(makeJob({ recipients: ['jörg@example.net', 'bob@example.net'] }), mx);

    assert.deepEqual(
      t?.recipients.map((r) => [r.address, r.status]),
      [
        ['jörg@example.net', 'bounced'],
        ['bob@example.net', 'delivered'],
      ],
    );
    assert.deepEqual(
      mx.connections[0]?.commands.filter((c) => c.startsWith('RCPT')),
      ['RCPT TO:<bob@example.net>'],
    );
    assert.ok(isAscii(mx.connections[0]?.bytes ?? Buffer.from('é')));
  });

  it('bounces every recipient when the sender address needs SMTPUTF8', async () => {
    const mx = await startScriptedMx(basicScript({ extensions: ['PIPELINING'] }));
    servers.push(mx);
    const t = await deliver(
      makeJob({ sender: 'zoë@example.org', recipients: ['bob@example.net'] }),
      mx,
    );

    assert.deepEqual(
      t?.recipients.map((r) => r.status),
      ['bounced'],
    );
    assert.match(t?.recipients[0]?.reason ?? '', /^5\.6\.7 the sender address needs SMTPUTF8/);
    assert.equal(
      mx.connections[0]?.commands.some((c) => c.startsWith('MAIL')),
      false,
    );
  });

  it('sends a UTF-8 envelope with the SMTPUTF8 parameter when the server offers it', async () => {
    const mx = await startScriptedMx(basicScript({ extensions: ['PIPELINING', 'SMTPUTF8'] }));
    servers.push(mx);
    const t = await deliver(makeJob({ recipients: ['jörg@example.net'] }), mx);

    assert.deepEqual(mx.connections[0]?.commands.slice(1, 3), [
      'MAIL FROM:<alice@example.org> SMTPUTF8',
      'RCPT TO:<jörg@example.net>',
    ]);
    assert.deepEqual(
      t?.recipients.map((r) => r.status),
      ['delivered'],
    );
  });
});

describe('deliverToDomain and reply text that is not ASCII', () => {
  const servers: ScriptedMx[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  const refusal = '550 5.1.1 Empfänger unbekannt – Адресат неизвестен';
  const refuse = (c: string) => (c.startsWith('RCPT') ? [refusal] : undefined);

  it('keeps a UTF-8 reply as its text', async () => {
    const mx = await startScriptedMx(basicScript({ overrides: refuse }));
    servers.push(mx);
    const t = await deliver(makeJob({ recipients: ['bob@example.net'] }), mx);
    assert.deepEqual(t?.recipients[0]?.reply?.lines, [refusal]);
  });

  it('records a reply that is not UTF-8 one character per byte (the documented limitation)', async () => {
    const mx = await startScriptedMx({ ...basicScript({ overrides: refuse }), encoding: 'latin1' });
    servers.push(mx);
    const t = await deliver(makeJob({ recipients: ['bob@example.net'] }), mx);
    const expected = Buffer.from(refusal, 'latin1').toString('latin1');
    assert.notEqual(expected, refusal);
    assert.deepEqual(t?.recipients[0]?.reply?.lines, [expected]);
    assert.equal(t?.recipients[0]?.reply?.code, 550);
  });
});

describe('deliverToDomain and the bytes of the message', () => {
  const servers: ScriptedMx[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  async function wireBytes(body: string): Promise<{ message: string; t: Transcript | undefined }> {
    const mx = await startScriptedMx(basicScript({}));
    servers.push(mx);
    const t = await deliver(
      makeJob({ recipients: ['bob@example.net'], body: Buffer.from(body, 'latin1') }),
      mx,
    );
    const message = mx.connections[0]?.messages[0];
    assert.ok(message, 'the server received no message');
    // Everything from after "354" to the end: the message plus the terminating dot line.
    const bytes = mx.connections[0]?.bytes.toString('latin1') ?? '';
    const start = bytes.indexOf('DATA\r\n') + 'DATA\r\n'.length;
    return { message: bytes.slice(start, bytes.indexOf('QUIT\r\n')), t };
  }

  it('turns bare LF and bare CR into CRLF, so only CRLF reaches the MX', async () => {
    const { message, t } = await wireBytes('Subject: t\nline1\nline2\r\nline3\rline4');
    assert.equal(message, 'Subject: t\r\nline1\r\nline2\r\nline3\r\nline4\r\n.\r\n');
    assert.doesNotMatch(message, /[^\r]\n|\r[^\n]/);
    assert.equal(
      t?.steps.find((s) => s.kind === 'message')?.command,
      `<message: ${message.length} octets>`,
    );
  });

  it('stuffs a dot at the start of every line (RFC 5321 section 4.5.2) and ends with CRLF.CRLF', async () => {
    const { message } = await wireBytes('.first\r\n..two\r\n.\r\nmid.dle\r\n.');
    assert.equal(message, '..first\r\n...two\r\n..\r\nmid.dle\r\n..\r\n.\r\n');
  });

  it('does not let a bare CR before a dot end the data early (SMTP smuggling)', async () => {
    const { message } = await wireBytes('a\r.\rMAIL FROM:<x@evil.test>\r\n');
    assert.equal(message, 'a\r\n..\r\nMAIL FROM:<x@evil.test>\r\n.\r\n');
  });

  it('sends 8-bit bytes as they were queued', async () => {
    const { message } = await wireBytes('Subject: caf\xe9\r\n\r\n\xff\xfe\r\n');
    assert.equal(
      Buffer.from(message, 'latin1').toString('hex'),
      Buffer.from('Subject: caf\xe9\r\n\r\n\xff\xfe\r\n.\r\n', 'latin1').toString('hex'),
    );
  });
});

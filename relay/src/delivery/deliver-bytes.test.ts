import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger, transcriptSchema, type Transcript } from '#shared';
import { deliverToDomain, type DeliveryJob } from './deliver.ts';
import { staticResolver } from './testing/fake-resolver.ts';
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
const resolver = staticResolver([{ host: 'mx.test', preference: 10, addresses: ['127.0.0.1'] }]);

async function deliver(job: DeliveryJob, mx: ScriptedMx): Promise<Transcript | undefined> {
  const transcripts = await deliverToDomain(job, {
    resolver,
    port: mx.port,
    heloName: 'relay.test',
    allowPrivateAddresses: true,
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

  // B23: the exact bytes are kept in `raw`; the display lines are UTF-8 with U+FFFD for the rest.
  async function refusedWith(line: Buffer, banner?: Buffer) {
    const mx = await startScriptedMx(
      basicScript({
        ...(banner ? { banner: [banner] } : {}),
        overrides: (c) => (c.startsWith('RCPT') ? [line] : undefined),
      }),
    );
    servers.push(mx);
    const t = await deliver(makeJob({ recipients: ['bob@example.net'] }), mx);
    // Through JSON, as the API receives it: the record must survive it unchanged.
    return transcriptSchema.parse(JSON.parse(JSON.stringify(t)));
  }

  it('keeps the exact bytes of a GBK reply and shows U+FFFD for them, with the code parsed', async () => {
    const gbk = Buffer.from('D3C3BBA7B2BBB4E6D4DA', 'hex');
    const line = Buffer.concat([Buffer.from('550 '), gbk]);
    const t = await refusedWith(line);
    const reply = t.recipients[0]?.reply;
    assert.equal(reply?.code, 550);
    assert.equal(t.recipients[0]?.status, 'bounced');
    assert.deepEqual(
      Buffer.from(reply?.raw ?? '', 'base64'),
      Buffer.concat([line, Buffer.from('\r\n')]),
    );
    assert.match(reply?.lines[0] ?? '', /^550 .*\uFFFD/);
    assert.equal(reply?.lines[0], new TextDecoder().decode(line));
  });

  it('reads a UTF-8 reply as its text and keeps its bytes', async () => {
    const line = '550 5.1.1 Empfänger unbekannt – Postfach existiert nicht';
    const t = await refusedWith(Buffer.from(line));
    assert.deepEqual(t.recipients[0]?.reply?.lines, [line]);
    assert.equal(t.recipients[0]?.reply?.enhanced, '5.1.1');
    assert.equal(
      Buffer.from(t.recipients[0]?.reply?.raw ?? '', 'base64').toString(),
      `${line}\r\n`,
    );
  });

  it('keeps a Latin-1 banner byte for byte and still reads its code', async () => {
    const banner = Buffer.concat([
      Buffer.from('220 mx.example.org ESMTP Gr'),
      Buffer.from([0xfc, 0xdf, 0x65]),
    ]);
    const t = await refusedWith(Buffer.from('550 5.1.1 no'), banner);
    const step = t.steps.find((s) => s.kind === 'banner');
    assert.equal(step?.reply?.code, 220);
    assert.equal(step?.reply?.lines[0], '220 mx.example.org ESMTP Gr\uFFFD\uFFFDe');
    assert.deepEqual(
      Buffer.from(step?.reply?.raw ?? '', 'base64'),
      Buffer.concat([banner, Buffer.from('\r\n')]),
    );
    // Latin-1 and UTF-8 'Grüße' are told apart: only the bytes decide.
    assert.notEqual(step?.reply?.lines[0], '220 mx.example.org ESMTP Grüße');
  });

  it('never splits the 2-byte character that straddles character 200 of a long reply', async () => {
    const text = `550 5.1.1 ${'x'.repeat(189)}ä${'y'.repeat(99)}`;
    assert.equal(text.indexOf('ä'), 199);
    const t = await refusedWith(Buffer.from(text));
    const reply = t.recipients[0]?.reply;
    assert.deepEqual(reply?.lines, [text]);
    assert.doesNotMatch(JSON.stringify(t), /\uFFFD/);
    assert.equal(Buffer.from(reply?.raw ?? '', 'base64').toString(), `${text}\r\n`);
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

  it('B03: doubles leading dots on the way out, so the MX gets every line and one 250', async () => {
    const { message, t } = await wireBytes(
      'Subject: dots\r\n\r\nhello\r\n.\r\n..two\r\n.world\r\n',
    );
    assert.equal(message, 'Subject: dots\r\n\r\nhello\r\n..\r\n...two\r\n..world\r\n.\r\n');
    const replies = t?.steps.flatMap((s) => (s.reply ? [s.reply.code] : [])) ?? [];
    assert.deepEqual(replies, [220, 250, 250, 250, 354, 250, 221]);
    assert.equal(t?.outcome, 'delivered');
  });

  it('sends an 8-bit body as queued to a server that offers 8BITMIME', async () => {
    const { message } = await wireBytes('Subject: cafe\r\n\r\ncaf\xe9 \xff\xfe\r\n');
    assert.equal(
      Buffer.from(message, 'latin1').toString('hex'),
      Buffer.from('Subject: cafe\r\n\r\ncaf\xe9 \xff\xfe\r\n.\r\n', 'latin1').toString('hex'),
    );
  });

  async function screened(extensions: string[], body: string) {
    const mx = await startScriptedMx(basicScript({ extensions }));
    servers.push(mx);
    const job = makeJob({ recipients: ['bob@example.net'], body: Buffer.from(body) });
    return { t: await deliver(job, mx), mx };
  }

  it('refuses with 5.6.3 to send 8-bit content to a server without 8BITMIME, sending nothing', async () => {
    const { t, mx } = await screened(['PIPELINING'], 'Subject: x\r\n\r\nGrüße\r\n');
    assert.deepEqual(mx.connections[0]?.commands, ['EHLO relay.test', 'QUIT']);
    assert.deepEqual(
      t?.recipients.map((r) => [r.status, r.reason?.slice(0, 5)]),
      [['bounced', '5.6.3']],
    );
  });

  it('refuses with 5.6.7 to send UTF-8 headers to a server without SMTPUTF8 (B09)', async () => {
    const { t, mx } = await screened(['8BITMIME'], 'Subject: Grüße\r\n\r\nhi\r\n');
    assert.deepEqual(mx.connections[0]?.commands, ['EHLO relay.test', 'QUIT']);
    assert.match(t?.recipients[0]?.reason ?? '', /^5\.6\.7 the message header needs SMTPUTF8/);
    assert.equal(t?.outcome, 'bounced');
  });

  it('sends UTF-8 headers to a server that offers SMTPUTF8', async () => {
    const body = 'Subject: Grüße\r\n\r\nhi\r\n';
    const { t, mx } = await screened(['8BITMIME', 'SMTPUTF8'], body);
    assert.equal(t?.outcome, 'delivered');
    assert.deepEqual(mx.connections[0]?.messages.map(String), [body]);
  });
});

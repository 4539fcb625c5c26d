import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { basicScript, type ScriptedMx } from '../relay/src/delivery/testing/scripted-mx.ts';
import { openRaw, queuedId, type RawSmtp } from './support/raw-smtp.ts';
import {
  ACCOUNT,
  messagesFor,
  queuedIds,
  startScriptedStack,
  waitForAttempts,
  waitForMessages,
  type ScriptedStack,
} from './support/scripted-stack.ts';

// Submission inputs no ordinary client sends, written byte for byte to a relay process over
// implicit TLS; what matters is each reply, and the bytes that reach the recipient's server (a
// scripted MX that, like Postfix 3.9 and Exchange Online, refuses stray CR or LF in DATA).

const MAX_SIZE = 64 * 1024;
const STRAY = /\r(?!\n)|(?<!\r)\n/;
const holder: { mx?: ScriptedMx } = {};
let serial = 0;

const script = basicScript({
  endOfData: null,
});
script.endOfData = (connection) => {
  const message = holder.mx?.connections[connection]?.messages.at(-1) ?? Buffer.alloc(0);
  if (STRAY.test(message.toString('latin1'))) {
    return ['521 5.5.2 mx.example.org stray line feed in message data'];
  }
  serial += 1;
  return [`250 2.0.0 Ok: queued as MX${serial}`];
};

describe('submission on the wire', () => {
  let stack: ScriptedStack;

  before(async () => {
    stack = await startScriptedStack({
      script,
      relayEnv: { MAX_MESSAGE_SIZE: String(MAX_SIZE), DAILY_LIMIT: '500' },
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

  /** MAIL, RCPT, DATA; then writes `data` (which must end the message) and reads the reply. */
  async function submit(
    client: RawSmtp,
    data: string | Buffer,
    options: { from?: string; to?: string[] } = {},
  ) {
    assert.equal(
      (await client.command(`MAIL FROM:<${options.from ?? ACCOUNT.address}>`)).code,
      250,
    );
    for (const to of options.to ?? ['bob@recipient.test']) {
      assert.equal((await client.command(`RCPT TO:<${to}>`)).code, 250, to);
    }
    assert.equal((await client.command('DATA')).code, 354);
    client.write(data);
    return client.reply();
  }

  it('greets once on each port: the skipped 100 ms pause does not greet a second time', async () => {
    const { submissionPort, submissionsPort } = stack.relay.settings;
    for (const [port, tls] of [
      [submissionPort, false],
      [submissionsPort, true],
    ] as const) {
      const client = await openRaw({ port, tls });
      assert.equal(client.greeting.code, 220, client.greeting.lines.join(' | '));
      // smtp-server's own timer fires 100 ms after the connection; a second 220 sent then
      // would be read here as the reply to EHLO.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ehlo = await client.command('EHLO client.test');
      assert.equal(ehlo.code, 250, `port ${port}: ${ehlo.lines.join(' | ')}`);
      assert.equal((await client.command('QUIT')).code, 221);
      client.close();
    }
  });

  it('B02: normalizes bare LF and bare CR, so a strict MX gets only CRLF line ends', async () => {
    const content =
      'Subject: quarterly report for the regional offices and partners\n folded with a bare LF\r\n' +
      'From: alice@sender.test\r\nTo: bob@recipient.test\r\n\r\nline one\rline two\r\n' +
      'line three\n';
    const client = await session();
    const reply = await submit(client, `${content}\r\n.\r\n`);
    client.close();
    assert.equal(reply.code, 250, reply.lines.join(' | '));
    const queueId = queuedId(reply);
    assert.ok(queueId);

    const [attempt] = await waitForAttempts(stack, queueId);
    assert.equal(attempt?.outcome, 'delivered');
    // The delivered copy, as the MX received it between 354 and the final dot.
    const [delivered] = await waitForMessages(stack.mx, 'bob@recipient.test', 1);
    const text = delivered?.toString('latin1') ?? '';
    assert.doesNotMatch(text, STRAY);
    assert.ok(
      text.endsWith(
        'Subject: quarterly report for the regional offices and partners\r\n' +
          ' folded with a bare LF\r\nFrom: alice@sender.test\r\nTo: bob@recipient.test\r\n\r\n' +
          'line one\r\nline two\r\nline three\r\n\r\n',
      ),
      text,
    );
    // The queued copy is the one hashed; with no leading dots it equals the delivered copy.
    const queued = Buffer.from(text, 'latin1');
    const message = attempt?.record.message as { sha256: string; size: number };
    assert.equal(message.size, queued.length);
    assert.equal(message.sha256, createHash('sha256').update(queued).digest('hex'));
  });

  it('B05: carries the null reverse-path through to the MX and the stored record', async () => {
    const client = await session();
    const reply = await submit(
      client,
      'From: Mail Delivery System <mailer-daemon@sender.test>\r\nTo: carol@recipient.test\r\n' +
        'Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n\r\n' +
        'Your message could not be delivered.\r\n.\r\n',
      { from: '', to: ['carol@recipient.test'] },
    );
    client.close();
    const queueId = queuedId(reply);
    assert.ok(queueId, reply.lines.join(' | '));

    await waitForMessages(stack.mx, 'carol@recipient.test');
    const connection = stack.mx.connections.find((c) =>
      c.commands.includes('RCPT TO:<carol@recipient.test>'),
    );
    assert.ok(connection?.commands.includes('MAIL FROM:<>'), connection?.commands.join(' | '));
    const [attempt] = await waitForAttempts(stack, queueId);
    const steps = attempt?.record.steps as { kind: string; command: string | null }[];
    assert.equal(steps.find((s) => s.kind === 'mail')?.command, 'MAIL FROM:<>');
    // The empty sender is stored as '' and found by a query on it.
    const rows = await stack.query<{ queue_id: string }>(
      "SELECT queue_id FROM messages WHERE sender = ''",
    );
    assert.ok(rows.some((r) => r.queue_id === queueId));
  });

  it('B19: refuses empty, proxy and injected SASL identities; masks every credential', async () => {
    const plain = (authzid: string, authcid: string, password: string) =>
      `AUTH PLAIN ${Buffer.from(`${authzid}\0${authcid}\0${password}`).toString('base64')}`;
    const attempts: [string, number[]][] = [
      // Empty authcid: never authenticates, whatever the authzid names.
      [plain('alice@sender.test', '', ACCOUNT.password), [535]],
      // CR/LF in the authzid.
      [plain('ops\r\nX-Injected: yes', ACCOUNT.address, ACCOUNT.password), [501, 535]],
      // Another authorization identity than the account (proxy authorization).
      [plain('bob@sender.test', ACCOUNT.address, ACCOUNT.password), [535]],
      // The authzid equal to the account is allowed.
      [plain(ACCOUNT.address, ACCOUNT.address, 'wrong password'), [535]],
      ['AUTH PLAIN not*base64!', [501]],
      [plain('', ACCOUNT.address, 'pässwörd ✓'), [535]],
      ['AUTH PLAIN =', [501, 535]],
    ];
    for (const [line, codes] of attempts) {
      const client = await openRaw({ port: stack.relay.settings.submissionsPort, tls: true });
      await client.command('EHLO client.test');
      const reply = await client.command(line);
      client.close();
      assert.ok(codes.includes(reply.code), `${line}: ${reply.lines.join(' | ')}`);
    }

    // AUTH LOGIN with CR/LF inside the decoded user name.
    const login = await openRaw({ port: stack.relay.settings.submissionsPort, tls: true });
    await login.command('EHLO client.test');
    assert.equal((await login.command('AUTH LOGIN')).code, 334);
    const user = Buffer.from(`${ACCOUNT.address}\r\nX-Injected: yes`).toString('base64');
    let refused = await login.command(user);
    if (refused.code === 334) {
      refused = await login.command(Buffer.from(ACCOUNT.password).toString('base64'));
    }
    login.close();
    assert.ok([501, 535].includes(refused.code), refused.lines.join(' | '));

    const client = await session();
    const reply = await submit(client, 'Subject: after AUTH\r\n\r\nHi.\r\n.\r\n', {
      to: ['dave@recipient.test'],
    });
    client.close();
    const queueId = queuedId(reply);
    assert.ok(queueId);
    const [attempt] = await waitForAttempts(stack, queueId);
    const message = attempt?.record.message as { authUser: string };
    assert.equal(message.authUser, ACCOUNT.address, 'the identity recorded is the authcid');

    const log = await stack.relayLog();
    const secrets = [
      ACCOUNT.password,
      Buffer.from(`\0${ACCOUNT.address}\0${ACCOUNT.password}`).toString('base64'),
      Buffer.from(ACCOUNT.password).toString('base64'),
      'pässwörd',
    ];
    for (const secret of secrets) assert.ok(!log.includes(secret), `log holds ${secret}`);
    // Every log line is whole JSON: no injected CR/LF split one.
    for (const line of log.split('\n').filter(Boolean)) {
      assert.doesNotThrow(() => JSON.parse(line), line);
    }
    const stored = JSON.stringify(await stack.query('SELECT record FROM attempts'));
    for (const secret of secrets) assert.ok(!stored.includes(secret), `record holds ${secret}`);
  });

  it('B21: refuses control characters in envelope parameters, queueing nothing', async () => {
    const before = queuedIds(await stack.relayLog()).length;
    const client = await session();
    const refusals = [
      'MAIL FROM:<alice@sender.test> ENVID=q1+0D+0ARCPT+20TO:<spy@recipient.test>',
      'MAIL FROM:<alice@sender.test> X-TAG=a\x01b',
      'MAIL FROM:<alice@sender.test> SIZE=10\x7f',
    ];
    for (const line of refusals) {
      const reply = await client.command(line);
      assert.equal(reply.code, 501, `${JSON.stringify(line)}: ${reply.lines.join(' | ')}`);
    }
    assert.equal((await client.command('MAIL FROM:<alice@sender.test>')).code, 250);
    for (const line of [
      'RCPT TO:<bob@recipient.test> ORCPT=rfc822;bob+0D+0AX@recipient.test',
      'RCPT TO:<spy\x01@recipient.test>',
    ]) {
      const reply = await client.command(line);
      assert.equal(reply.code, 501, `${JSON.stringify(line)}: ${reply.lines.join(' | ')}`);
    }
    // No recipient was taken, so DATA has nothing to send.
    assert.equal((await client.command('DATA')).code, 503);
    assert.equal((await client.command('QUIT')).code, 221);
    client.close();
    assert.equal(queuedIds(await stack.relayLog()).length, before);
    const commands = stack.mx.connections.flatMap((c) => c.commands);
    assert.ok(!commands.some((c) => /spy/i.test(c)), commands.join(' | '));
  });

  it('B21: an encoded CR/LF in From or Subject never becomes a header line', async () => {
    const client = await session();
    const reply = await submit(
      client,
      'From: =?UTF-8?Q?Alice=0D=0ABcc:_spy@recipient.test?= <alice@sender.test>\r\n' +
        'Subject: =?UTF-8?Q?report=0D=0ABcc:_spy@recipient.test?=\r\n' +
        'To: erin@recipient.test\r\n\r\nHi.\r\n.\r\n',
      { to: ['erin@recipient.test'] },
    );
    client.close();
    const queueId = queuedId(reply);
    assert.ok(queueId);
    const [delivered] = await waitForMessages(stack.mx, 'erin@recipient.test');
    assert.doesNotMatch(delivered?.toString('latin1') ?? '', /^Bcc:/im);
    const receipts = (await waitForReceipts(queueId)).map((r) => r.toString('latin1'));
    for (const receipt of receipts) assert.doesNotMatch(receipt, /^Bcc:/im);
    const commands = stack.mx.connections.flatMap((c) => c.commands);
    assert.ok(!commands.some((c) => /spy/i.test(c)), commands.join(' | '));
  });

  async function waitForReceipts(queueId: string): Promise<Buffer[]> {
    const about = () => messagesFor(stack.mx, ACCOUNT.address).filter((m) => m.includes(queueId));
    await waitForMessages(stack.mx, ACCOUNT.address);
    for (let i = 0; i < 100 && about().length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const found = about();
    assert.ok(found.length > 0, `a receipt about ${queueId}`);
    return found;
  }

  // Every end-of-data that is not CRLF.CRLF (RFC 5321 section 4.1.1.4): content, not an end.
  const SMUGGLING = ['\n.\n', '\r.\r', '\n.\r\n', '\r\n.\n', '\r.\r\n', '\r\n.\r', '\n.\r'];
  for (const [index, ending] of SMUGGLING.entries()) {
    it(`never splits a message at ${JSON.stringify(ending)} (SMTP smuggling)`, async () => {
      const to = `smuggle${index}@recipient.test`;
      const client = await session();
      const reply = await submit(
        client,
        `Subject: smuggling ${index}\r\n\r\nfirst part${ending}` +
          `MAIL FROM:<alice@sender.test>\r\nRCPT TO:<spy${index}@recipient.test>\r\nDATA\r\n` +
          `Subject: smuggled\r\n\r\nsecond part\r\n.\r\n`,
        { to: [to] },
      );
      // One reply for the whole message, then the next command's own reply.
      assert.ok([250, 554].includes(reply.code), reply.lines.join(' | '));
      assert.equal((await client.command('QUIT')).code, 221);
      client.close();
      if (reply.code !== 250) return;

      const queueId = queuedId(reply);
      assert.ok(queueId);
      await waitForAttempts(stack, queueId);
      const received = messagesFor(stack.mx, to);
      assert.equal(received.length, 1, 'exactly one message reached the MX');
      const text = received[0]?.toString('latin1') ?? '';
      assert.match(text, /MAIL FROM:<alice@sender\.test>\r\nRCPT TO:<spy/);
      assert.match(text, /second part/);
      const commands = stack.mx.connections.flatMap((c) => c.commands);
      assert.ok(!commands.some((c) => c.includes(`spy${index}`)), commands.join(' | '));
    });
  }

  it('takes plus, quoted and IDN addresses as given, delivering to the ASCII domain', async () => {
    const client = await session();
    const recipients = [
      'frank+tag@recipient.test',
      '"frank.q"@recipient.test',
      "o'neil@recipient.test",
      'gina@xn--bcher-kva.test',
    ];
    const reply = await submit(client, 'Subject: addresses\r\n\r\nHi.\r\n.\r\n', {
      to: recipients,
    });
    client.close();
    const queueId = queuedId(reply);
    assert.ok(queueId, reply.lines.join(' | '));
    await waitForAttempts(stack, queueId);
    for (const address of recipients) await waitForMessages(stack.mx, address);
    const rows = await stack.query<{ address: string; status: string }>(
      'SELECT address, status FROM recipients WHERE queue_id = $1 ORDER BY position',
      [queueId],
    );
    assert.deepEqual(
      rows.map((r) => r.address),
      recipients,
    );
  });

  it('refuses a line over 998 octets with 554 5.6.0 and takes one of exactly 998', async () => {
    const before = queuedIds(await stack.relayLog()).length;
    const client = await session();
    const long = await submit(client, `Subject: long\r\n\r\n${'x'.repeat(999)}\r\n.\r\n`);
    assert.equal(long.code, 554);
    assert.match(long.lines[0] ?? '', /^554 5\.6\.0 .*998/);
    const fits = await submit(client, `Subject: fits\r\n\r\n${'x'.repeat(998)}\r\n.\r\n`, {
      to: ['hank@recipient.test'],
    });
    client.close();
    assert.equal(fits.code, 250, fits.lines.join(' | '));
    assert.equal(queuedIds(await stack.relayLog()).length, before + 1);
  });

  it('enforces the size limit on the bytes received, whatever SIZE declared', async () => {
    const before = queuedIds(await stack.relayLog()).length;
    const client = await session();
    assert.equal((await client.command('MAIL FROM:<alice@sender.test> SIZE=100')).code, 250);
    assert.equal((await client.command('RCPT TO:<ivan@recipient.test>')).code, 250);
    assert.equal((await client.command('DATA')).code, 354);
    const line = `${'y'.repeat(76)}\r\n`;
    client.write(`Subject: big\r\n\r\n${line.repeat(Math.ceil((2 * MAX_SIZE) / line.length))}`);
    client.write('.\r\n');
    const reply = await client.reply();
    client.close();
    assert.equal(reply.code, 552);
    assert.match(reply.lines[0] ?? '', /^552 5\.3\.4 /);
    assert.equal(queuedIds(await stack.relayLog()).length, before);
  });

  it('B14: survives a reset mid-DATA and after pipelined commands, queueing nothing', async () => {
    const before = queuedIds(await stack.relayLog()).length;
    const mid = await session();
    assert.equal((await mid.command('MAIL FROM:<alice@sender.test>')).code, 250);
    assert.equal((await mid.command('RCPT TO:<judy@recipient.test>')).code, 250);
    assert.equal((await mid.command('DATA')).code, 354);
    mid.write('Subject: partial\r\n\r\nfirst half of the body');
    mid.reset();

    const piped = await session();
    piped.write('MAIL FROM:<alice@sender.test>\r\nRCPT TO:<judy@recipient.test>\r\nDATA\r\n');
    piped.reset();

    const next = await session();
    const reply = await submit(next, 'Subject: after the resets\r\n\r\nHi.\r\n.\r\n', {
      to: ['kate@recipient.test'],
    });
    next.close();
    assert.equal(reply.code, 250);
    assert.equal(next.greeting.code, 220);
    assert.equal(queuedIds(await stack.relayLog()).length, before + 1);
    await waitForMessages(stack.mx, 'kate@recipient.test');
    assert.equal(messagesFor(stack.mx, 'judy@recipient.test').length, 0);
  });
});

import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { transcriptSchema } from '#shared';
import { submitWithSwaks, waitForReceipt, waitForRecord } from '../scripts/round-trip.ts';
import { LOCAL, startLocalStack, type LocalStack } from '../scripts/stack/local.ts';
import { startRelayProcess } from '../scripts/stack/zajoni.ts';
import { openClient, sampleMessage } from './support/smtp-client.ts';

// The main job on real components: swaks submits over STARTTLS with AUTH, the relay finds
// Postfix through dnsmasq's MX record, the API stores the transcript from JetStream in
// PostgreSQL, and the receipt lands in the sender's Postfix mailbox.

describe('main job, end to end', () => {
  let dir: string;
  let stack: LocalStack;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-e2e-'));
    stack = await startLocalStack({ dir, relayEnv: { DELIVERY_ACK_WAIT_MS: '3000' } });
  });

  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("delivers, records Postfix's queue id and mails the sender a receipt", async () => {
    const queueId = await submitWithSwaks(stack, 'end to end');
    const record = await waitForRecord(stack, queueId);

    assert.equal(record.status, 'DELIVERED');
    const [bob] = record.recipients;
    assert.equal(bob?.address, LOCAL.recipient);
    const remoteId = bob?.remoteQueueId ?? '';
    assert.match(remoteId, /^[0-9A-F]{6,}$/, 'a Postfix queue id');
    const final = record.attempts.at(-1);
    assert.deepEqual(final?.finalReply?.lines, [`250 2.0.0 Ok: queued as ${remoteId}`]);
    assert.equal(final?.mx?.host, `mx.${LOCAL.recipientDomain}`);
    assert.equal(final?.tls?.verified, false, "Postfix's certificate is self-signed");
    // No QUIT: the connection stays open for the relay's next message to this server.
    const kinds = final?.steps.map((s) => s.kind);
    assert.deepEqual(kinds, [
      'CONNECT',
      'BANNER',
      'EHLO',
      'STARTTLS',
      'TLS',
      'EHLO',
      'MAIL',
      'RCPT',
      'DATA',
      'MESSAGE',
    ]);
    // Each of Postfix's replies is recorded against its own command (pipelined, after STARTTLS).
    const reply = (kind: string) => final?.steps.find((s) => s.kind === kind)?.reply?.lines;
    assert.deepEqual(reply('MAIL'), ['250 2.1.0 Ok']);
    assert.deepEqual(reply('RCPT'), ['250 2.1.5 Ok']);
    assert.match(reply('DATA')?.[0] ?? '', /^354 /);

    // Postfix's own log names the same queue id: the recipient's admin can trace it.
    const maillog = await readFile(stack.postfix.maillogPath, 'utf8');
    assert.match(maillog, new RegExp(`${remoteId}: .*to=<${LOCAL.recipient}>.*status=sent`));
    const [delivered] = await stack.postfix.waitForMail(LOCAL.recipient);
    const mail = await simpleParser(delivered ?? Buffer.alloc(0));
    assert.equal(mail.subject, 'end to end');
    assert.match(String(mail.headers.get('received') ?? ''), new RegExp(`id ${queueId}`));

    const receipt = await waitForReceipt(stack, queueId);
    assert.match(receipt.subject ?? '', /^Delivered: end to end$/);
    assert.match(receipt.text ?? '', new RegExp(`Server's queue id: ${remoteId}`));
    const json = receipt.attachments.find((a) => a.filename === 'transcript.json');
    const text = receipt.attachments.find((a) => a.filename === 'transcript.txt');
    assert.ok(json && text, 'transcript attached as JSON and as text');
    const transcripts = transcriptSchema.array().parse(JSON.parse(json.content.toString('utf8')));
    assert.equal(transcripts.at(-1)?.remoteQueueId, remoteId);
    assert.match(text.content.toString('utf8'), new RegExp(`queued as ${remoteId}`));
    const type = receipt.headers.get('content-type') as { value: string; params: object };
    assert.equal(type.value, 'multipart/report');
    assert.deepEqual(
      { ...type.params, boundary: undefined },
      {
        'report-type': 'delivery-status',
        boundary: undefined,
      },
    );
  });

  it('delivers a message once when its relay is killed right after the 250', async () => {
    // A relay whose DNS server never answers cannot deliver before it is killed; the message can
    // then only reach Postfix through the queue, from the relay started after it.
    const subject = `survives a crash ${Date.now()}`;
    const { settings } = stack.relay;
    await stack.relay.process.stop();
    const silentDns = createSocket('udp4');
    await new Promise<void>((resolve) => silentDns.bind(0, '127.0.0.1', resolve));
    const doomed = await startRelayProcess(
      dir,
      { ...settings, dnsServer: `127.0.0.1:${silentDns.address().port}` },
      'relay-doomed.log',
    );
    let queueId: string | undefined;
    try {
      const client = await openClient({ port: settings.submissionPort });
      await client.login(LOCAL.sender.address, LOCAL.sender.password);
      const info = await client.send(
        LOCAL.sender.address,
        [LOCAL.recipient],
        sampleMessage(LOCAL.sender.address, LOCAL.recipient, subject),
      );
      await doomed.process.kill();
      client.close();
      queueId = /queued as (\S+)/.exec(info.response)?.[1];
    } finally {
      await doomed.process.kill();
      silentDns.close();
    }
    assert.ok(queueId, 'the relay answered 250 with its queue id');

    await stack.restartRelay();
    const record = await waitForRecord(stack, queueId);
    assert.equal(record.status, 'DELIVERED');
    await waitForReceipt(stack, queueId);

    const copies = [];
    for (const raw of await stack.postfix.readMailbox(LOCAL.recipient)) {
      if ((await simpleParser(raw)).subject === subject) copies.push(raw);
    }
    assert.equal(copies.length, 1, 'delivered exactly once');
  });
});

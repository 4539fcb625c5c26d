import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { transcriptSchema, type Transcript } from '#shared';
import { ReceiptError } from './errors.ts';
import { buildConfirmation, buildFailureNotice, type ReceiptInput } from './report.ts';
import { DELIVERED, ENTRY, ORIGINAL_HEADERS, REFUSED } from './testing/fixtures.ts';
import { parseMimeTree } from './testing/mime-tree.ts';

const NOW = new Date('2025-03-01T10:05:00.000Z');

function input(overrides: Partial<ReceiptInput> = {}): ReceiptInput {
  return {
    entry: ENTRY,
    transcripts: [DELIVERED, REFUSED],
    originalHeaders: ORIGINAL_HEADERS,
    now: NOW,
    reportingMta: 'relay.test',
    from: 'postmaster@relay.test',
    ...overrides,
  };
}

/** Recipient blocks of a delivery-status body, each as a field map (RFC 3464 section 2.1). */
function statusBlocks(body: string): Map<string, string>[] {
  return body
    .replace(/\r\n[ \t]/g, ' ')
    .split('\r\n\r\n')
    .filter((b) => b.trim())
    .map(
      (block) =>
        new Map(
          block
            .split('\r\n')
            .filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
        ),
    );
}

describe('buildConfirmation', () => {
  it('is an RFC 6522 multipart/report with exactly three parts, the first holding the attachments', async () => {
    const receipt = await buildConfirmation(input());
    const tree = parseMimeTree(receipt.raw.toString());

    assert.equal(tree.type, 'multipart/report');
    assert.equal(tree.params['report-type'], 'delivery-status');
    assert.deepEqual(
      tree.parts.map((p) => p.type),
      ['multipart/mixed', 'message/delivery-status', 'text/rfc822-headers'],
    );
    const human = tree.parts[0]!;
    assert.deepEqual(
      human.parts.map((p) => [p.type, p.params.name ?? null]),
      [
        ['text/plain', null],
        ['text/plain', 'transcript.txt'],
        ['application/json', 'transcript.json'],
      ],
    );
    assert.equal(tree.parts[2]?.body, ORIGINAL_HEADERS);
  });

  it('is addressed from the relay to the user, marked automatic, threaded to the original', async () => {
    const receipt = await buildConfirmation(input());
    const mail = await simpleParser(receipt.raw);

    assert.equal(mail.from?.text, 'postmaster@relay.test');
    assert.equal(Array.isArray(mail.to) ? null : mail.to?.text, 'alice@example.org');
    assert.equal(mail.subject, 'Delivered: Quarterly report');
    assert.equal(receipt.subject, 'Delivered: Quarterly report');
    assert.equal(mail.headers.get('auto-submitted'), 'auto-replied');
    assert.equal(mail.messageId, `<${receipt.messageId}>`);
    assert.match(receipt.messageId, /^[0-9A-Z]{26}@relay\.test$/);
    assert.equal(mail.inReplyTo, '<m1@example.org>');
    assert.equal(mail.references, '<m1@example.org>');
    assert.equal(mail.date?.toISOString(), '2025-03-01T10:05:00.000Z');
  });

  it('names the accepting server, the time, its queue id, its reply and TLS in the summary', async () => {
    const mail = await simpleParser((await buildConfirmation(input())).raw);
    const summary = mail.text ?? '';

    assert.match(summary, /^Recipient: {4}bob@example\.net$/m);
    assert.match(summary, /^Accepted by: {2}mx\.example\.net \[192\.0\.2\.10\] port 25$/m);
    assert.match(summary, /^Accepted at: {2}2025-03-01T10:00:00\.016Z$/m);
    assert.match(summary, /^Server's queue id: 4ZxK2b1Q9Nz3$/m);
    assert.match(summary, /^Server's reply: {4}250 2\.0\.0 Ok: queued as 4ZxK2b1Q9Nz3$/m);
    assert.match(
      summary,
      /^TLS: {10}TLSv1\.3 TLS_AES_256_GCM_SHA384, certificate verified, server certificate CN=mx\.example\.net issued by CN=Example CA/m,
    );
    // Only the delivered recipient is confirmed.
    assert.doesNotMatch(summary, /nobody@example\.com|carol@example\.com/);
  });

  it('reports the delivered recipient in the delivery-status part with the queue id', async () => {
    const tree = parseMimeTree((await buildConfirmation(input())).raw.toString());
    const [message, ...recipients] = statusBlocks(tree.parts[1]!.body);

    assert.equal(message?.get('Reporting-MTA'), 'dns; relay.test');
    assert.equal(message?.get('Arrival-Date'), 'Sat, 01 Mar 2025 09:59:00 +0000');
    assert.equal(message?.get('X-Zajoni-Queue-Id'), ENTRY.queueId);
    assert.equal(recipients.length, 1);
    assert.deepEqual(Object.fromEntries(recipients[0]!), {
      'Final-Recipient': 'rfc822; bob@example.net',
      Action: 'delivered',
      Status: '2.0.0',
      'Remote-MTA': 'dns; mx.example.net',
      'Diagnostic-Code': 'smtp; 250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3',
      'X-Remote-Queue-Id': '4ZxK2b1Q9Nz3',
      'Last-Attempt-Date': 'Sat, 01 Mar 2025 10:00:00 +0000',
    });
  });

  it('attaches transcript.json, which round-trips through the transcript schema', async () => {
    const mail = await simpleParser((await buildConfirmation(input())).raw);
    const json = mail.attachments.find((a) => a.filename === 'transcript.json');
    assert.equal(json?.contentType, 'application/json');
    assert.equal(json?.contentDisposition, 'attachment');
    const records = (JSON.parse(json?.content.toString('utf8') ?? 'null') as unknown[]).map((r) =>
      transcriptSchema.parse(r),
    );
    assert.deepEqual(records, [DELIVERED, REFUSED]);
  });

  it('attaches transcript.txt with every command and reply line and its time', async () => {
    const mail = await simpleParser((await buildConfirmation(input())).raw);
    const text =
      mail.attachments.find((a) => a.filename === 'transcript.txt')?.content.toString('utf8') ?? '';
    const lines = text.split(/\r?\n/);
    assert.ok(lines.includes('2025-03-01T10:00:00.004Z +      4.0ms C: EHLO relay.test'));
    assert.ok(
      lines.includes(
        '2025-03-01T10:00:00.016Z +     16.0ms S: 250 2.0.0 Ok: queued as 4ZxK2b1Q9Nz3',
      ),
    );
    assert.ok(
      lines.includes(
        '2025-03-01T10:00:00.010Z +     10.0ms S: 550 5.1.1 unnecessary spaces. For more information, go to the help center.',
      ),
    );
    assert.equal(lines.filter((l) => l.startsWith('===')).length, 2);
  });

  it('leaves out the headers part when the original headers are unknown (two parts)', async () => {
    const tree = parseMimeTree(
      (await buildConfirmation(input({ originalHeaders: '' }))).raw.toString(),
    );
    assert.deepEqual(
      tree.parts.map((p) => p.type),
      ['multipart/mixed', 'message/delivery-status'],
    );
  });

  it('refuses to confirm when nothing was delivered, or to report on a receipt', async () => {
    await assert.rejects(buildConfirmation(input({ transcripts: [REFUSED] })), ReceiptError);
    await assert.rejects(
      buildConfirmation(input({ entry: { ...ENTRY, kind: 'confirmation' } })),
      ReceiptError,
    );
  });
});

describe('buildFailureNotice', () => {
  it('reports the bounce as failed with the whole 550, and the greylisted recipient as delayed', async () => {
    const receipt = await buildFailureNotice(input());
    const tree = parseMimeTree(receipt.raw.toString());
    const [, bounced, delayed, ...rest] = statusBlocks(tree.parts[1]!.body);

    assert.equal(receipt.subject, 'Undelivered: Quarterly report');
    assert.equal(rest.length, 0);
    assert.equal(bounced?.get('Final-Recipient'), 'rfc822; nobody@example.com');
    assert.equal(bounced?.get('Action'), 'failed');
    assert.equal(bounced?.get('Status'), '5.1.1');
    assert.equal(bounced?.get('Remote-MTA'), 'dns; mx.example.com');
    assert.equal(
      bounced?.get('Diagnostic-Code'),
      `smtp; ${REFUSED.recipients[0]!.reply!.lines.join(' ')}`,
    );
    assert.deepEqual(
      [delayed?.get('Final-Recipient'), delayed?.get('Action'), delayed?.get('Status')],
      ['rfc822; carol@example.com', 'delayed', '4.2.0'],
    );
  });

  it('folds long fields so that no line of the report is longer than 78 characters', async () => {
    const tree = parseMimeTree((await buildFailureNotice(input())).raw.toString());
    const lines = tree.parts[1]!.body.split('\r\n');
    assert.ok(
      lines.some((l) => l.startsWith(' ')),
      'the 3-line 550 was folded',
    );
    assert.deepEqual(
      lines.filter((l) => l.length > 78),
      [],
    );
  });

  it('reports deferred recipients as failed with 4.4.7 once the message expired', async () => {
    const tree = parseMimeTree((await buildFailureNotice(input({ expired: true }))).raw.toString());
    const delayed = statusBlocks(tree.parts[1]!.body).find(
      (b) => b.get('Final-Recipient') === 'rfc822; carol@example.com',
    );
    assert.deepEqual([delayed?.get('Action'), delayed?.get('Status')], ['failed', '4.4.7']);
  });

  it('takes the status from the reason when no server replied (null MX: 5.1.10)', async () => {
    const nullMx: Transcript = {
      ...REFUSED,
      mx: null,
      steps: [],
      error: '5.1.10 example.com accepts no mail (null MX, RFC 7505)',
      recipients: [
        {
          address: 'nobody@example.com',
          status: 'bounced',
          reply: null,
          reason: '5.1.10 example.com accepts no mail (null MX, RFC 7505)',
          remoteQueueId: null,
        },
      ],
      outcome: 'bounced',
    };
    const tree = parseMimeTree(
      (await buildFailureNotice(input({ transcripts: [nullMx] }))).raw.toString(),
    );
    const [, block] = statusBlocks(tree.parts[1]!.body);
    assert.deepEqual(Object.fromEntries(block!), {
      'Final-Recipient': 'rfc822; nobody@example.com',
      Action: 'failed',
      Status: '5.1.10',
      'X-Zajoni-Reason': '5.1.10 example.com accepts no mail (null MX, RFC 7505)',
      'Last-Attempt-Date': 'Sat, 01 Mar 2025 10:00:01 +0000',
    });
  });

  it('keeps the delivery-status part ASCII for a UTF-8 recipient and a UTF-8 reply', async () => {
    const utf8: Transcript = {
      ...REFUSED,
      recipients: [
        {
          address: 'jörg@example.com',
          status: 'bounced',
          reply: { code: 550, enhanced: '5.1.1', lines: ['550 5.1.1 Empfänger unbekannt'] },
          reason: null,
          remoteQueueId: null,
        },
      ],
    };
    const tree = parseMimeTree(
      (await buildFailureNotice(input({ transcripts: [utf8] }))).raw.toString(),
    );
    const body = tree.parts[1]!.body;
    assert.ok([...body].every((c) => c.charCodeAt(0) < 0x80));
    const [, block] = statusBlocks(body);
    assert.equal(block?.get('Final-Recipient'), 'utf-8; j\\x{F6}rg@example.com');
    assert.equal(block?.get('Diagnostic-Code'), 'smtp; 550 5.1.1 Empf\\x{E4}nger unbekannt');
  });
});

describe('receipt headers', () => {
  it('cannot be given extra headers through the subject or the Message-ID of the original', async () => {
    const entry = {
      ...ENTRY,
      subject: 'Hello\r\nBcc: spy@example.net',
      messageId: 'm1@example.org>\r\nBcc: spy2@example.net',
    };
    const receipt = await buildConfirmation(input({ entry }));
    const raw = receipt.raw.toString();
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    const mail = await simpleParser(receipt.raw);

    assert.doesNotMatch(head, /^bcc:/im);
    assert.equal(mail.headers.has('bcc'), false);
    assert.equal(mail.bcc, undefined);
    assert.equal(mail.subject, 'Delivered: Hello Bcc: spy@example.net');
    assert.equal(receipt.subject, 'Delivered: Hello Bcc: spy@example.net');
    assert.equal(parseMimeTree(raw).headers.get('subject')?.length, 1);
  });
});

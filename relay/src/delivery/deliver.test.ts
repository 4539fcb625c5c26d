import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createLogger, transcriptSchema, type Transcript } from '#shared';
import { deliverToDomain, type DeliveryJob } from './deliver.ts';
import type { MxResolver } from './mx.ts';
import { failingResolver, staticResolver } from './testing/fake-resolver.ts';
import { makeJob } from './testing/job.ts';
import { basicScript, startScriptedMx } from './testing/scripted-mx.ts';
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

function deliver(job: DeliveryJob, resolver: MxResolver, port: number) {
  return deliverToDomain(job, {
    resolver,
    port,
    heloName: 'relay.test',
    allowPrivateAddresses: true,
    timeouts,
    log,
  });
}

function loopbackMx(ip = '127.0.0.1') {
  return staticResolver([{ host: 'mx.test', preference: 10, addresses: [ip] }]);
}

/** Every transcript must be a valid record for the API. */
function validated(transcripts: Transcript[]): Transcript[] {
  for (const t of transcripts) transcriptSchema.parse(t);
  return transcripts;
}

function kinds(t: Transcript | undefined): string[] {
  return t?.steps.map((s) => s.kind) ?? [];
}

describe('deliverToDomain', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  it('delivers to an smtp-server MX and reads its Postfix-style queue id', async () => {
    const mx = await startSmtpServerMx({ queueId: '4ZxK2b1Q9Nz3' });
    servers.push(mx);
    const job = makeJob({ recipients: ['bob@example.net'] });
    const resolver = loopbackMx();
    const [t, ...rest] = validated(await deliver(job, resolver, mx.port));

    assert.equal(rest.length, 0);
    assert.deepEqual(resolver.asked, ['example.net']);
    assert.deepEqual(kinds(t), [
      'connect',
      'banner',
      'ehlo',
      'mail',
      'rcpt',
      'data',
      'message',
      'quit',
    ]);
    // smtp-server's enhanced code for an accepted message is 2.6.0; the text is Postfix's.
    assert.deepEqual(t?.finalReply, {
      code: 250,
      enhanced: '2.6.0',
      lines: ['250 2.6.0 Ok: queued as 4ZxK2b1Q9Nz3'],
      raw: Buffer.from('250 2.6.0 Ok: queued as 4ZxK2b1Q9Nz3\r\n').toString('base64'),
    });
    assert.equal(t?.remoteQueueId, '4ZxK2b1Q9Nz3');
    assert.deepEqual(t?.recipients, [
      {
        address: 'bob@example.net',
        status: 'delivered',
        reply: t?.finalReply,
        reason: null,
        remoteQueueId: '4ZxK2b1Q9Nz3',
      },
    ]);
    assert.equal(t?.outcome, 'delivered');
    assert.deepEqual(t?.mx, { host: 'mx.test', ip: '127.0.0.1', port: mx.port, preference: 10 });
    assert.equal(t?.tls, null);
    assert.equal(t?.error, null);
    assert.deepEqual(
      [t?.tenant, t?.queueId, t?.attempt, t?.hostIndex],
      ['acme', job.entry.queueId, 1, 0],
    );
    assert.deepEqual(t?.message.recipients, ['bob@example.net']);
    const mail = t?.steps.find((s) => s.kind === 'mail');
    assert.equal(
      mail?.command,
      `MAIL FROM:<alice@example.org> BODY=8BITMIME SIZE=${job.body.length}`,
    );
    assert.equal(mail?.reply?.code, 250);
    assert.deepEqual(
      mx.messages.map((m) => [m.from, m.to, m.data.toString()]),
      [['alice@example.org', ['bob@example.net'], job.body.toString()]],
    );
  });

  it('B06: waits for the whole banner, keeps it and a multi-line 550 as one reply each; the other recipient is delivered', async () => {
    const banner = ['220-mx.test ESMTP', '220-Unsolicited bulk mail is not welcome', '220 ready'];
    const refusal = [
      '550-5.1.1 The email account that you tried to reach does not exist.',
      '550-5.1.1 Please check the address',
      '550 5.1.1 and try again.',
    ];
    const mx = await startScriptedMx(
      basicScript({
        banner,
        // Three writes 300 ms apart; a byte before the last one is answered 554 and closed.
        bannerLineDelayMs: 300,
        overrides: (c) => (c === 'RCPT TO:<nobody@example.net>' ? refusal : undefined),
      }),
    );
    servers.push(mx);
    const job = makeJob({ recipients: ['nobody@example.net', 'bob@example.net'] });
    const [t] = validated(await deliver(job, loopbackMx(), mx.port));

    const banners = t?.steps.filter((s) => s.kind === 'banner') ?? [];
    assert.equal(banners.length, 1);
    assert.equal(mx.connections[0]?.pregreeted, false);
    assert.deepEqual(banners[0]?.reply?.lines, banner);
    assert.equal(banners[0]?.reply?.code, 220);
    assert.equal(
      Buffer.from(banners[0]?.reply?.raw ?? '', 'base64').toString(),
      banner.map((l) => `${l}\r\n`).join(''),
    );
    const rcpts = t?.steps.filter((s) => s.kind === 'rcpt') ?? [];
    assert.deepEqual(
      rcpts.map((s) => [s.command, s.reply?.lines]),
      [
        ['RCPT TO:<nobody@example.net>', refusal],
        ['RCPT TO:<bob@example.net>', ['250 2.1.5 Ok']],
      ],
    );
    assert.deepEqual(
      t?.recipients.map((r) => [
        r.address,
        r.status,
        r.reply?.code,
        r.reply?.enhanced,
        r.remoteQueueId,
      ]),
      [
        ['nobody@example.net', 'bounced', 550, '5.1.1', null],
        ['bob@example.net', 'delivered', 250, '2.0.0', '4ZxK2b1Q9Nz3'],
      ],
    );
    assert.equal(t?.recipients[0]?.reply?.lines.length, 3);
    assert.deepEqual(mx.connections[0]?.commands.slice(0, 5), [
      'EHLO relay.test',
      'MAIL FROM:<alice@example.org> BODY=8BITMIME',
      'RCPT TO:<nobody@example.net>',
      'RCPT TO:<bob@example.net>',
      'DATA',
    ]);
    assert.deepEqual(mx.connections[0]?.messages, [job.body]);
    assert.equal(t?.outcome, 'partial');
  });

  it('B07 A: defers a recipient whose pipelined RCPT got 450 although DATA then got 554', async () => {
    const mx = await startScriptedMx(
      basicScript({
        overrides: (c) => {
          if (c.startsWith('RCPT'))
            return ['450 4.2.0 <bob@example.net>: Recipient address rejected: greylisted'];
          if (c === 'DATA') return ['554 5.5.1 Error: no valid recipients'];
          return undefined;
        },
      }),
    );
    servers.push(mx);
    const [t] = validated(
      await deliver(makeJob({ recipients: ['bob@example.net'] }), loopbackMx(), mx.port),
    );

    // The client pipelined: MAIL, RCPT and DATA came in one write (RFC 2920).
    const batch = mx.connections[0]?.chunks.map(String).find((c) => c.startsWith('MAIL'));
    assert.match(
      batch ?? '',
      /^MAIL FROM:<alice@example\.org>[^\r]*\r\nRCPT TO:<bob@example\.net>\r\nDATA\r\n$/,
    );
    assert.deepEqual(
      t?.recipients.map((r) => [r.status, r.reply?.code, r.reply?.enhanced]),
      [['deferred', 450, '4.2.0']],
    );
    assert.deepEqual(t?.steps.find((s) => s.kind === 'data')?.reply?.code, 554);
    assert.equal(
      t?.steps.some((s) => s.kind === 'message'),
      false,
    );
    assert.equal(t?.outcome, 'deferred');
    assert.equal(mx.connections[0]?.messages.length, 0);
  });

  it('B07 B: after 450 to RCPT and 354 to DATA sends a lone dot, and still defers', async () => {
    const mx = await startScriptedMx(
      basicScript({
        overrides: (c) =>
          c.startsWith('RCPT') ? ['450 4.2.0 greylisted, come back in 300 seconds'] : undefined,
        endOfData: ['250 2.0.0 queued'],
      }),
    );
    servers.push(mx);
    const [t] = validated(
      await deliver(makeJob({ recipients: ['bob@example.net'] }), loopbackMx(), mx.port),
    );

    // RFC 2920 section 3.1: with no recipient accepted, the 354 is answered by an empty message.
    const wire = mx.connections[0]?.bytes.toString() ?? '';
    assert.equal(wire.slice(wire.indexOf('DATA\r\n')), 'DATA\r\n.\r\nQUIT\r\n');
    assert.deepEqual(mx.connections[0]?.messages.map(String), ['']);
    const pairs = t?.steps.filter((s) => s.command).map((s) => [s.command, s.reply?.code]);
    assert.deepEqual(pairs?.slice(1), [
      ['MAIL FROM:<alice@example.org> BODY=8BITMIME', 250],
      ['RCPT TO:<bob@example.net>', 450],
      ['DATA', 354],
      ['.', 250],
      ['QUIT', 221],
    ]);
    assert.deepEqual(
      t?.recipients.map((r) => [r.status, r.reply?.code]),
      [['deferred', 450]],
    );
    assert.equal(t?.outcome, 'deferred');
    assert.equal(t?.finalReply, null);
  });

  it('B07 C: gives a second message its own connection after a first that followed script A', async () => {
    const mx = await startScriptedMx(
      basicScript({
        overrides: (c) => {
          if (c === 'RCPT TO:<bob@example.net>') return ['450 4.2.0 greylisted'];
          if (c === 'DATA') return undefined;
          return undefined;
        },
      }),
    );
    servers.push(mx);
    const first = await deliver(
      makeJob({ recipients: ['bob@example.net'] }),
      loopbackMx(),
      mx.port,
    );
    const second = await deliver(
      makeJob({ recipients: ['carol@example.net'] }),
      loopbackMx(),
      mx.port,
    );

    assert.equal(mx.connections.length, 2);
    const mails = mx.connections.map((c) => c.commands.filter((l) => l.startsWith('MAIL')));
    assert.deepEqual(
      mails.map((m) => m.length),
      [1, 1],
    );
    assert.deepEqual([first[0]?.outcome, second[0]?.outcome], ['deferred', 'delivered']);
    assert.deepEqual(mx.connections[1]?.messages.length, 1);
  });

  it('defers with a named timeout when the server never answers RCPT, and retries are possible', async () => {
    // From RCPT on the server reads but never answers.
    let hung = false;
    const mx = await startScriptedMx(
      basicScript({
        overrides: (c) => {
          hung ||= c.startsWith('RCPT');
          return hung ? [] : undefined;
        },
      }),
    );
    servers.push(mx);
    const [t] = validated(
      await deliverToDomain(makeJob({ recipients: ['bob@example.net'] }), {
        resolver: loopbackMx(),
        port: mx.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        timeouts: { ...timeouts, rcptMs: 300, dataInitMs: 200 },
        log,
      }),
    );

    assert.deepEqual(
      t?.recipients.map((r) => [r.status, r.reason]),
      [
        [
          'deferred',
          '4.4.2 no reply to RCPT TO (ETIMEDOUT: no activity for 300 ms waiting for the reply to RCPT)',
        ],
      ],
    );
    assert.equal(t?.steps.find((s) => s.kind === 'rcpt')?.note, 'no reply');
    assert.equal(mx.connections[0]?.messages.length, 0);
  });

  it('defers, naming the stage, when the reply to the final dot never comes', async () => {
    const mx = await startScriptedMx(basicScript({ endOfData: [] }));
    servers.push(mx);
    const [t] = validated(
      await deliverToDomain(makeJob({ recipients: ['bob@example.net'] }), {
        resolver: loopbackMx(),
        port: mx.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        timeouts: { ...timeouts, endOfDataMs: 300 },
        log,
      }),
    );

    assert.match(
      t?.recipients[0]?.reason ?? '',
      /no activity for 300 ms waiting for the reply to the final dot/,
    );
    assert.equal(t?.recipients[0]?.status, 'deferred');
    assert.equal(mx.connections[0]?.messages.length, 1);
  });

  it('moves to the next MX when the first refuses the TCP connection, recording both', async () => {
    const mx = await startSmtpServerMx({ queueId: '9F8E7D6C5B' });
    servers.push(mx);
    const resolver = staticResolver([
      { host: 'mx1.test', preference: 10, addresses: ['127.0.0.2'] },
      { host: 'mx2.test', preference: 20, addresses: ['127.0.0.1'] },
    ]);
    const transcripts = validated(
      await deliver(makeJob({ recipients: ['bob@example.net'] }), resolver, mx.port),
    );

    assert.equal(transcripts.length, 2);
    const [refused, used] = transcripts;
    assert.deepEqual(
      [refused?.hostIndex, refused?.mx?.host, refused?.mx?.ip],
      [0, 'mx1.test', '127.0.0.2'],
    );
    assert.deepEqual(kinds(refused), ['connect']);
    assert.match(refused?.steps[0]?.note ?? '', /^127\.0\.0\.2:\d+: failed: .*ECONNREFUSED/);
    assert.match(refused?.error ?? '', /ECONNREFUSED/);
    assert.deepEqual(
      refused?.recipients.map((r) => [r.status, r.reply]),
      [['deferred', null]],
    );
    assert.match(refused?.recipients[0]?.reason ?? '', /^4\.4\.1 /);
    assert.deepEqual(
      [used?.hostIndex, used?.mx?.host, used?.outcome, used?.remoteQueueId],
      [1, 'mx2.test', 'delivered', '9F8E7D6C5B'],
    );
    assert.notEqual(refused?.attemptId, used?.attemptId);
    assert.ok((refused?.startedAt ?? '') <= (used?.startedAt ?? ''));
    assert.equal(mx.messages.length, 1);
  });

  it('moves to the next MX when the first greets with 421', async () => {
    const good = await startScriptedMx(basicScript({}));
    const busy = await startScriptedMx(
      basicScript({ banner: ['421 4.3.2 mx1.test busy, try later'] }),
      {
        host: '127.0.0.3',
        port: good.port,
      },
    );
    servers.push(good, busy);
    const resolver = staticResolver([
      { host: 'mx1.test', preference: 10, addresses: ['127.0.0.3'] },
      { host: 'mx2.test', preference: 20, addresses: ['127.0.0.1'] },
    ]);
    const transcripts = validated(
      await deliver(makeJob({ recipients: ['bob@example.net'] }), resolver, good.port),
    );

    assert.equal(transcripts.length, 2);
    const [first, second] = transcripts;
    assert.deepEqual(first?.steps.find((s) => s.kind === 'banner')?.reply?.lines, [
      '421 4.3.2 mx1.test busy, try later',
    ]);
    assert.deepEqual(
      first?.recipients.map((r) => [r.status, r.reply?.code]),
      [['deferred', 421]],
    );
    assert.equal(busy.connections[0]?.commands.length, 0);
    assert.equal(second?.outcome, 'delivered');
    assert.equal(good.connections[0]?.messages.length, 1);
  });

  it('records a banner that never comes as a timeout and defers', async () => {
    const silent = await startScriptedMx(basicScript({ banner: [] }));
    servers.push(silent);
    const job = makeJob({ recipients: ['bob@example.net'] });
    const started = Date.now();
    const transcripts = validated(
      await deliverToDomain(job, {
        resolver: loopbackMx(),
        port: silent.port,
        heloName: 'relay.test',
        allowPrivateAddresses: true,
        timeouts: { ...timeouts, connectMs: 1_000, greetingMs: 300, endOfDataMs: 1_000 },
        log,
      }),
    );
    assert.ok(Date.now() - started < 1_500);
    const [t] = transcripts;
    assert.deepEqual(
      t?.steps.map((s) => [s.kind, s.reply, s.note?.replace(/\d+/g, 'N') ?? null]),
      [
        ['connect', null, 'connected to N.N.N.N:N from N.N.N.N:N'],
        ['banner', null, 'no reply'],
        ['error', null, 'ETIMEDOUT: Greeting never received'],
      ],
    );
    assert.equal(t?.error, 'ETIMEDOUT: Greeting never received');
    assert.deepEqual(
      t?.recipients.map((r) => r.status),
      ['deferred'],
    );
    assert.match(t?.recipients[0]?.reason ?? '', /^4\.4\.1 /);
  });

  it('defers, and says the message may have arrived, when the connection drops after the final dot', async () => {
    const mx = await startScriptedMx(basicScript({ endOfData: null }));
    servers.push(mx);
    const [t] = validated(
      await deliver(makeJob({ recipients: ['bob@example.net'] }), loopbackMx(), mx.port),
    );

    assert.equal(mx.connections[0]?.messages.length, 1);
    const message = t?.steps.find((s) => s.kind === 'message');
    assert.deepEqual([message?.reply, message?.note], [null, 'no reply']);
    assert.deepEqual(
      t?.recipients.map((r) => [r.status, r.reply]),
      [['deferred', null]],
    );
    assert.match(
      t?.recipients[0]?.reason ?? '',
      /^4\.4\.2 no reply to the end of data .*may have been accepted/,
    );
    assert.match(t?.error ?? '', /ECONNECTION|closed/i);
  });

  it('bounces every recipient with 5.1.10 and one step-less record for a null MX', async () => {
    const resolver = failingResolver({
      kind: 'permanent',
      status: '5.1.10',
      reason: 'example.net accepts no mail (null MX, RFC 7505)',
      host: null,
    });
    const job = makeJob({ recipients: ['bob@example.net', 'carol@example.net'] });
    const transcripts = validated(await deliver(job, resolver, 25));

    assert.equal(transcripts.length, 1);
    const [t] = transcripts;
    assert.deepEqual([t?.mx, t?.steps, t?.outcome, t?.hostIndex], [null, [], 'bounced', 0]);
    assert.equal(t?.error, '5.1.10 example.net accepts no mail (null MX, RFC 7505)');
    assert.deepEqual(
      t?.recipients.map((r) => [r.address, r.status, r.reason]),
      [
        ['bob@example.net', 'bounced', '5.1.10 example.net accepts no mail (null MX, RFC 7505)'],
        ['carol@example.net', 'bounced', '5.1.10 example.net accepts no mail (null MX, RFC 7505)'],
      ],
    );
  });

  it('defers with the MX host and no address when its look-up fails temporarily', async () => {
    const resolver = failingResolver({
      kind: 'temporary',
      status: '4.4.3',
      reason: 'address look-up failed: mx.test: ESERVFAIL',
      host: { host: 'mx.test', preference: 10 },
    });
    const [t] = validated(
      await deliver(makeJob({ recipients: ['bob@example.net'] }), resolver, 2525),
    );
    assert.deepEqual(t?.mx, { host: 'mx.test', ip: null, port: 2525, preference: 10 });
    assert.deepEqual(
      t?.recipients.map((r) => r.status),
      ['deferred'],
    );
    assert.equal(t?.outcome, 'deferred');
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import {
  NULL_MX_HOST,
  startDns,
  startPostfix,
  waitFor,
  type DnsInstance,
  type PostfixInstance,
} from '../scripts/stack/index.ts';

const run = promisify(execFile);

describe('local stack peers: dnsmasq and Postfix', () => {
  let base = '';
  let dns: DnsInstance | undefined;
  let postfix: PostfixInstance | undefined;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'zajoni-stack-'));
    // Postfix's unprivileged daemons must be able to enter the instance directory.
    await chmod(base, 0o711);
    dns = await startDns({
      dir: join(base, 'dns'),
      zones: [
        {
          domain: 'recipient.test',
          mx: [{ host: 'mx.recipient.test', preference: 10 }],
          hosts: [{ name: 'mx.recipient.test', addresses: ['127.0.0.1'] }],
        },
        { domain: 'no-mail.test', mx: [{ host: NULL_MX_HOST, preference: 0 }] },
      ],
    });
    postfix = await startPostfix({
      dir: join(base, 'postfix'),
      hostname: 'mx.recipient.test',
      domains: ['recipient.test'],
    });
  });

  after(async () => {
    const stops = [postfix?.stop(), dns?.stop()];
    const results = await Promise.allSettled(stops);
    await rm(base, { recursive: true, force: true });
    const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    if (failures.length > 0) throw new AggregateError(failures, 'cannot stop the stack');
  });

  it('resolves MX, A and null MX records and answers NXDOMAIN inside a zone', async () => {
    const resolver = resolverFor(started(dns).server);

    assert.deepEqual(await resolver.resolveMx('recipient.test'), [
      { exchange: 'mx.recipient.test', priority: 10, type: 'MX' },
    ]);
    assert.deepEqual(await resolver.resolve4('mx.recipient.test'), ['127.0.0.1']);
    // A null MX (RFC 7505) has the root as exchange, which node:dns renders as ''.
    assert.deepEqual(await resolver.resolveMx('no-mail.test'), [
      { exchange: '', priority: 0, type: 'MX' },
    ]);
    await assert.rejects(resolver.resolveMx('missing.recipient.test'), { code: 'ENOTFOUND' });
  });

  it('accepts a message over STARTTLS and delivers it to the Maildir', async () => {
    const mx = started(postfix);
    const [address] = await resolverFor(started(dns).server).resolve4('mx.recipient.test');

    const reply = await swaks(address ?? '', mx.port, 'bob@recipient.test', '--tls');
    assert.match(reply.stdout, /^<- {2}220 2\.0\.0 Ready to start TLS$/m);
    const queued = /^<~ {2}250 2\.0\.0 Ok: queued as ([0-9A-Za-z]+)$/m.exec(reply.stdout);
    assert.ok(queued?.[1], `no "queued as" reply in:\n${reply.stdout}`);
    const id = queued[1];

    const [message] = await mx.waitForMail('bob@recipient.test', { timeoutMs: 5_000 });
    assert.ok(message);
    const parsed = await simpleParser(message);
    assert.equal(parsed.subject, 'Stack check');
    assert.match(parsed.text ?? '', /Delivered by the private Postfix\./);

    const delivered = `${id}: to=<bob@recipient.test>, relay=virtual`;
    await waitFor('the delivery in the maillog', async () => {
      const maillog = await readFile(mx.maillogPath, 'utf8');
      return maillog.includes(delivered) && maillog.includes('status=sent');
    });
    const maillog = await readFile(mx.maillogPath, 'utf8');
    assert.match(maillog, new RegExp(`postfix/smtpd\\[\\d+\\]: ${id}: client=`));
    assert.deepEqual(await mx.readMailbox('carol@recipient.test'), []);
  });

  it('refuses to relay to a domain it does not serve', async () => {
    const mx = started(postfix);

    const failure = await swaks('127.0.0.1', mx.port, 'bob@elsewhere.test').then(
      () => assert.fail('swaks should have failed'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof Error && 'stdout' in failure);
    assert.match(String(failure.stdout), /^<\*\* 554 5\.7\.1 <bob@elsewhere\.test>: Relay/m);
  });
});

function started<T>(instance: T | undefined): T {
  assert.ok(instance, 'the before hook did not start every peer');
  return instance;
}

function resolverFor(server: string): Resolver {
  const resolver = new Resolver({ timeout: 1_000, tries: 1 });
  resolver.setServers([server]);
  return resolver;
}

function swaks(server: string, port: number, to: string, ...extra: string[]) {
  const args = ['--server', server, '--port', String(port), '--to', to];
  const message = [
    '--header',
    'Subject: Stack check',
    '--body',
    'Delivered by the private Postfix.',
  ];
  const client = ['--from', 'alice@sender.test', '--helo', 'client.sender.test', '--timeout', '5'];
  return run('swaks', [...args, ...client, ...message, ...extra]);
}

import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNats, type NatsInstance } from '../scripts/stack/nats.ts';
import { startPostgres, type PostgresInstance } from '../scripts/stack/postgres.ts';
import { freePort } from '../scripts/stack/process.ts';
import {
  createAccount,
  startApiProcess,
  startRelayProcess,
  type ApiProcess,
  type RelayProcess,
} from '../scripts/stack/zajoni.ts';
import { failureOf, openClient, sampleMessage } from './support/smtp-client.ts';

// Refusals at submission, each checked by its reply code on a real socket, against a relay
// process whose credential checks go to a real API over NATS. Deliveries are not the subject
// here: DNS points at a closed port, so accepted messages simply wait in the queue.

const ALICE = { address: 'alice@sender.test', password: 'correct horse battery' };
const MAX_SIZE = 64 * 1024;

describe('submission refusals', () => {
  let dir: string;
  let nats: NatsInstance;
  let postgres: PostgresInstance;
  let api: ApiProcess;
  let relay: RelayProcess;
  let port: number;
  let tlsPort: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-submission-'));
    await chmod(dir, 0o755);
    nats = await startNats({ dir: join(dir, 'nats') });
    postgres = await startPostgres({ dir: join(dir, 'postgres') });
    api = await startApiProcess({ dir, databaseUrl: postgres.url, natsUrl: nats.url });
    await createAccount(postgres.url, 'acme', ALICE.address, ALICE.password);
    [port, tlsPort] = [await freePort(), await freePort()];
    relay = await startRelayProcess(dir, {
      tenant: 'acme',
      natsUrl: nats.url,
      hostName: 'relay.zajoni.test',
      dnsServer: '127.0.0.1:9',
      deliveryPort: 9,
      submissionPort: port,
      submissionsPort: tlsPort,
      extraEnv: { MAX_MESSAGE_SIZE: String(MAX_SIZE) },
    });
  });

  after(async () => {
    await relay?.process.stop();
    await api?.process.stop();
    await postgres?.stop();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses MAIL without AUTH with 530', async () => {
    const client = await openClient({ port });
    const failure = await failureOf(() =>
      client.send(ALICE.address, ['bob@recipient.test'], sampleMessage(ALICE.address, 'b', 'x')),
    );
    client.close();
    assert.equal(failure.responseCode, 530);
    assert.match(failure.response ?? '', /^530 5\.7\.0 /);
  });

  it('refuses AUTH before STARTTLS before any credentials are exchanged', async () => {
    const client = await openClient({ port, ignoreTLS: true });
    const failure = await failureOf(() => client.login(ALICE.address, ALICE.password));
    client.close();
    // smtp-server answers 538 5.7.0 (RFC 4954 section 6: encryption required) before the
    // SASL exchange starts; see the README's limitations.
    assert.equal(failure.responseCode, 538);
    assert.match(failure.response ?? '', /^538 5\.7\.0 /);
  });

  it('refuses a wrong password with 535', async () => {
    const client = await openClient({ port });
    const failure = await failureOf(() => client.login(ALICE.address, 'not the password'));
    client.close();
    assert.equal(failure.responseCode, 535);
    assert.match(failure.response ?? '', /^535 5\.7\.8 /);
  });

  it('refuses an unknown account exactly like a wrong password', async () => {
    const client = await openClient({ port });
    const failure = await failureOf(() => client.login('nobody@sender.test', ALICE.password));
    client.close();
    assert.equal(failure.responseCode, 535);
  });

  it('refuses an envelope sender other than the account with 550 5.7.1', async () => {
    const client = await openClient({ port });
    await client.login(ALICE.address, ALICE.password);
    const forged = 'ceo@sender.test';
    const failure = await failureOf(() =>
      client.send(forged, ['bob@recipient.test'], sampleMessage(forged, 'bob', 'forged')),
    );
    client.close();
    assert.equal(failure.responseCode, 550);
    assert.match(failure.response ?? '', /^550 5\.7\.1 .*alice@sender\.test/);
  });

  it('refuses a message over SIZE with 552', async () => {
    const client = await openClient({ port: tlsPort, secure: true });
    await client.login(ALICE.address, ALICE.password);
    const big = sampleMessage(ALICE.address, 'bob', 'big', 'x'.repeat(76) + '\r\n').repeat(1);
    const body = big + `${'y'.repeat(76)}\r\n`.repeat(Math.ceil((MAX_SIZE * 2) / 78));
    const failure = await failureOf(() => client.send(ALICE.address, ['bob@recipient.test'], body));
    client.close();
    assert.equal(failure.responseCode, 552);
  });

  it('queues 50 messages a day and refuses the 51st with 451 4.7.1 naming the limit', async () => {
    const queued = new Set<string>();
    for (let i = 1; i <= 50; i++) {
      const client = await openClient({ port });
      await client.login(ALICE.address, ALICE.password);
      const info = await client.send(
        ALICE.address,
        ['bob@recipient.test'],
        sampleMessage(ALICE.address, 'bob@recipient.test', `message ${i}`),
      );
      client.close();
      const id = /queued as (\S+)/.exec(info.response)?.[1];
      assert.ok(id, `reply names a queue id: ${info.response}`);
      queued.add(id);
    }
    assert.equal(queued.size, 50);

    const client = await openClient({ port });
    await client.login(ALICE.address, ALICE.password);
    const failure = await failureOf(() =>
      client.send(ALICE.address, ['bob@recipient.test'], sampleMessage(ALICE.address, 'b', '51')),
    );
    client.close();
    assert.equal(failure.responseCode, 451);
    assert.match(failure.response ?? '', /^451 4\.7\.1 Daily limit of 50 messages .* after \d{4}-/);
  });
});

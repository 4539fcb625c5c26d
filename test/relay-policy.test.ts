import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startNats, type NatsInstance } from '../scripts/stack/nats.ts';
import { startPostgres, type PostgresInstance } from '../scripts/stack/postgres.ts';
import { freePort, waitFor } from '../scripts/stack/process.ts';
import {
  createAccount,
  startApiProcess,
  startRelayProcess,
  type ApiProcess,
  type RelayProcess,
} from '../scripts/stack/zajoni.ts';
import { openClient, sampleMessage } from './support/smtp-client.ts';

// The operator changes a tenant's limits by rewriting the relay's ConfigMap. Here the relay
// runs as a process with its policy file laid out the way the kubelet mounts a ConfigMap, and
// the file is swapped the same way while a client session stays open.

const ALICE = { address: 'alice@sender.test', password: 'correct horse battery' };
const RECIPIENTS = ['a@recipient.test', 'b@recipient.test', 'c@recipient.test'];

function policy(recipientsPerMessage: number): string {
  return JSON.stringify({ messagesPerDay: 50, recipientsPerMessage, maxMessageSize: 65_536 });
}

describe('relay: limits from the mounted policy file', () => {
  let dir: string;
  let volume: string;
  let nats: NatsInstance;
  let postgres: PostgresInstance;
  let api: ApiProcess;
  let relay: RelayProcess;
  let port: number;
  let version = 0;

  /** Publishes a new ConfigMap version: a new data dir, then an atomic ..data symlink swap. */
  async function publish(text: string) {
    version += 1;
    const data = join(volume, `..2026_${version}`);
    await mkdir(data);
    await writeFile(join(data, 'policy.json'), text);
    await symlink(data, join(volume, '..data_tmp'));
    await rename(join(volume, '..data_tmp'), join(volume, '..data'));
  }

  async function loads(): Promise<number> {
    const log = await readFile(relay.process.logFile, 'utf8');
    return log.split('\n').filter((line) => line.includes('"msg":"policy loaded"')).length;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-relay-policy-'));
    await chmod(dir, 0o755);
    volume = join(dir, 'policy');
    await mkdir(volume);
    await publish(policy(2));
    await symlink('..data/policy.json', join(volume, 'policy.json'));

    nats = await startNats({ dir: join(dir, 'nats') });
    postgres = await startPostgres({ dir: join(dir, 'postgres') });
    api = await startApiProcess({ dir, databaseUrl: postgres.url, natsUrl: nats.url });
    await createAccount(postgres.url, 'acme', ALICE.address, ALICE.password);
    port = await freePort();
    relay = await startRelayProcess(dir, {
      tenant: 'acme',
      natsUrl: nats.url,
      hostName: 'relay.zajoni.test',
      dnsServer: '127.0.0.1:9',
      deliveryPort: 9,
      submissionPort: port,
      submissionsPort: await freePort(),
      extraEnv: { RELAY_POLICY_FILE: join(volume, 'policy.json'), MAX_RECIPIENTS: '50' },
    });
  });

  after(async () => {
    await relay?.process.stop();
    await api?.process.stop();
    await postgres?.stop();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a new recipient limit inside a session that was open before the change', async () => {
    const client = await openClient({ port });
    await client.login(ALICE.address, ALICE.password);
    const message = sampleMessage(ALICE.address, RECIPIENTS[0]!, 'policy');

    const before = await client.send(ALICE.address, RECIPIENTS, message);
    assert.deepEqual(before.rejected, ['c@recipient.test'], 'the file, not MAX_RECIPIENTS, rules');
    assert.match(before.rejectedErrors?.[0]?.message ?? '', /452 4\.5\.3 .*at most 2/);

    await publish(policy(5));
    await waitFor('the relay to reload', async () => (await loads()) === 2);
    const after = await client.send(ALICE.address, RECIPIENTS, message);
    client.close();
    assert.deepEqual(after.rejected, []);
    assert.deepEqual(after.accepted, RECIPIENTS);
  });
});

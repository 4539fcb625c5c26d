import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '#shared';
import { createLivePolicy, type RelayLimits } from './live-policy.ts';

const log = createLogger('test', 'silent');
const fallback: RelayLimits = { dailyLimit: 50, maxRecipients: 50, maxMessageSize: 1_000_000 };

function policy(messagesPerDay: number) {
  return JSON.stringify({ messagesPerDay, recipientsPerMessage: 7, maxMessageSize: 2_048 });
}

/** Lays out a directory the way the kubelet mounts a ConfigMap, and swaps it the same way. */
async function configMapVolume(dir: string) {
  let version = 0;
  async function publish(text: string) {
    version += 1;
    const data = join(dir, `..2026_${version}`);
    await mkdir(data);
    await writeFile(join(data, 'policy.json'), text);
    await symlink(data, join(dir, '..data_tmp'));
    // The atomic step: rename(2) replaces ..data, and policy.json -> ..data/policy.json follows.
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  }
  return { publish, file: join(dir, 'policy.json') };
}

describe('live policy', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zajoni-policy-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the mounted policy at start and follows a ConfigMap update without a restart', async () => {
    const volume = await configMapVolume(await mkdtemp(join(dir, 'cm-')));
    await volume.publish(policy(50));
    await symlink('..data/policy.json', volume.file);
    const changes: RelayLimits[] = [];
    let notify: (() => void) | undefined;
    const live = await createLivePolicy({
      file: volume.file,
      fallback,
      log,
      onChange: (limits) => {
        changes.push(limits);
        notify?.();
      },
    });
    assert.deepEqual(live.current(), { dailyLimit: 50, maxRecipients: 7, maxMessageSize: 2_048 });

    const changed = new Promise<void>((resolve) => (notify = resolve));
    await volume.publish(policy(10));
    await changed;
    assert.equal(live.current().dailyLimit, 10);
    assert.deepEqual(
      changes.map((c) => c.dailyLimit),
      [10],
    );
    live.close();
  });

  it('keeps the limits in force when the file turns invalid, and uses the fallback until one is valid', async () => {
    const sub = await mkdtemp(join(dir, 'plain-'));
    const file = join(sub, 'policy.json');
    await writeFile(file, 'not json');
    const changes: number[] = [];
    let notify: (() => void) | undefined;
    const live = await createLivePolicy({
      file,
      fallback,
      log,
      onChange: (limits) => {
        changes.push(limits.dailyLimit);
        notify?.();
      },
    });
    assert.deepEqual(live.current(), fallback);

    let changed = new Promise<void>((resolve) => (notify = resolve));
    await writeFile(file, policy(20));
    await changed;
    assert.equal(live.current().dailyLimit, 20);

    await writeFile(file, '{"messagesPerDay": -1}');
    changed = new Promise<void>((resolve) => (notify = resolve));
    await writeFile(file, policy(30));
    await changed;
    assert.deepEqual(changes, [20, 30], 'the invalid version changed nothing');
    live.close();
  });
});

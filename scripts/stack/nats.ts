import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { canConnect, freePort, startProcess, waitFor, type Managed } from './process.ts';

export interface NatsInstance {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Starts a private nats-server with JetStream, storing under `dir`. Passing the `port` and `dir`
 * of an instance that was stopped restarts it with its streams intact.
 */
export async function startNats(options: { dir: string; port?: number }): Promise<NatsInstance> {
  const port = options.port ?? (await freePort());
  const storeDir = join(options.dir, 'jetstream');
  await mkdir(storeDir, { recursive: true });
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  const proc: Managed = startProcess(binary(), args, join(options.dir, 'nats.log'));
  await waitFor(`nats-server on port ${port}`, () => canConnect(port));
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop: () => proc.stop(),
    kill: () => proc.kill(),
  };
}

function binary(): string {
  return process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
}

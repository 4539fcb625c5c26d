import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '../../../scripts/stack/nats.ts';
import { startPostgres } from '../../../scripts/stack/postgres.ts';

/** Private NATS and PostgreSQL servers for one test file. */
export interface TestStack {
  readonly natsUrl: string;
  readonly databaseUrl: string;
  /** Stops both servers and deletes their data. */
  stop(): Promise<void>;
}

/** Starts a private NATS (JetStream) and PostgreSQL under a fresh temporary directory. */
export async function startTestStack(): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'zajoni-api-test-'));
  // PostgreSQL runs as the postgres user when tests run as root: it must reach its directory.
  await chmod(dir, 0o755);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const nats = await startNats({ dir: join(dir, 'nats') });
    stops.push(() => nats.stop());
    const postgres = await startPostgres({ dir: join(dir, 'postgres') });
    stops.push(() => postgres.stop());
    return { natsUrl: nats.url, databaseUrl: postgres.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

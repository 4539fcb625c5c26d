import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startProcess, waitFor } from './process.ts';

const run = promisify(execFile);

export interface PostgresInstance {
  /** Connection string of the `zajoni` database. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts a private PostgreSQL server from Debian's binaries with its data under `dir`, trust
 * authentication on loopback only, and a `zajoni` database. PostgreSQL refuses to run as root, so
 * as root the server runs as the `postgres` system user.
 */
export async function startPostgres(options: {
  dir: string;
  port?: number;
}): Promise<PostgresInstance> {
  const bin = binDir();
  const port = options.port ?? (await freePort());
  const dataDir = join(options.dir, 'pgdata');
  const socketDir = join(options.dir, 'pgsocket');
  await mkdir(socketDir, { recursive: true });
  // Spawned with the postgres user's ids rather than through runuser, so that stop() signals
  // reach the server itself.
  const asUser = process.getuid?.() === 0 ? await postgresUser() : undefined;
  if (asUser) {
    await chown(options.dir, asUser.uid, asUser.gid);
    await chown(socketDir, asUser.uid, asUser.gid);
  }
  const ids = asUser ? { uid: asUser.uid, gid: asUser.gid } : {};

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await run(
      join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
      ],
      { ...ids, cwd: options.dir },
    );
  }
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    socketDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=200',
  ];
  const proc = startProcess(join(bin, 'postgres'), args, join(options.dir, 'postgres.log'), {
    ...ids,
    cwd: options.dir,
  });
  const psql = (sql: string) =>
    run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-Atc', sql]);
  await waitFor(
    `postgres on port ${port}`,
    async () => (await psql('select 1')).stdout.trim() === '1',
  );
  const exists = await psql("select 1 from pg_database where datname = 'zajoni'");
  if (exists.stdout.trim() !== '1') await psql('create database zajoni');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/zajoni`,
    port,
    // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to leave.
    stop: () => proc.stop(10_000, 'SIGINT'),
  };
}

function binDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return join(root, versions[0] ?? '', 'bin');
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
}

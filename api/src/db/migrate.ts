import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '#shared';
import { MigrationError } from '../errors.ts';

/** The SQL migration files, `<timestamp>_<name>.sql` with `-- Up Migration` / `-- Down Migration`. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Table where node-pg-migrate records the migrations already applied. */
export const MIGRATIONS_TABLE = 'schema_migrations';

/**
 * Applies every pending migration in one transaction. node-pg-migrate holds a PostgreSQL advisory
 * lock meanwhile; a second replica starting at the same moment waits for it ('wait' mode) and
 * then finds nothing left to do, instead of failing its start. Returns the names applied.
 */
export async function runMigrations(databaseUrl: string, log: Logger): Promise<string[]> {
  const migrationLog = log.child({ component: 'migrations' });
  try {
    const applied = await runner({
      databaseUrl,
      dir: MIGRATIONS_DIR,
      migrationsTable: MIGRATIONS_TABLE,
      direction: 'up',
      singleTransaction: true,
      checkOrder: true,
      advisoryLockMode: 'wait',
      // The runner's own lines are progress chatter; the summary below is the lifecycle event.
      log: (line) => migrationLog.debug(line),
    });
    const names = applied.map((m) => m.name);
    migrationLog.info({ applied: names }, 'database schema up to date');
    return names;
  } catch (error) {
    throw new MigrationError('cannot run database migrations', { cause: error });
  }
}

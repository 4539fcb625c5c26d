import { parseArgs } from 'node:util';
import { ConfigError, createLogger } from '#shared';
import { createPlatformAdmin } from '../accounts/platform-admins.ts';
import { createTenant } from '../accounts/tenants.ts';
import { USER_ROLES, createUser, type UserRole } from '../accounts/users.ts';
import { parseAdminConfig } from '../config.ts';
import { runMigrations } from '../db/migrate.ts';
import { createPool } from '../db/pool.ts';
import {
  DuplicatePlatformAdminError,
  DuplicateTenantError,
  DuplicateUserError,
  InvalidAddressError,
  InvalidPasswordError,
  InvalidTenantIdError,
  UnknownTenantError,
  UsageError,
} from '../errors.ts';

/** Exit statuses of the admin CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const USAGE = `usage: zajoni-admin <command>

  migrate
      Apply pending database migrations.
  tenant create <id> [--name <display name>]
      Create a tenant; <id> is a lowercase DNS label.
  user create --tenant <id> --address <mail address> (--password <p> | --password-stdin)
              [--role user|tenant-admin]
      Create an account (role user by default). The address is also the SMTP username.
      Prefer --password-stdin: a password in the arguments is visible to other users.
  platform-admin create --name <name>
      Create a platform admin and print its API token, once: only its hash is stored. Send it
      as "Authorization: Bearer <token>" (registerTenant, deregisterTenant, createUser, ...).

environment: DATABASE_URL (required), LOG_LEVEL (default warn)
exit status: 0 done, 1 failed, 2 usage or configuration error
`;

/** Where the CLI reads and writes; the process's streams in production, buffers in tests. */
export interface AdminIo {
  readonly env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
}

/** Errors whose message tells the operator what to fix; anything else is reported with its cause. */
const OPERATOR_ERRORS = [
  DuplicatePlatformAdminError,
  DuplicateTenantError,
  DuplicateUserError,
  InvalidAddressError,
  InvalidPasswordError,
  InvalidTenantIdError,
  UnknownTenantError,
];

/** Runs one admin command and returns the exit status. */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<number> {
  try {
    await dispatch(argv, io);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`zajoni-admin: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`zajoni-admin: ${error.message}\n`);
      return EXIT.usage;
    }
    io.err(`zajoni-admin: ${describe(error)}\n`);
    return EXIT.failed;
  }
}

function describe(error: unknown): string {
  if (OPERATOR_ERRORS.some((kind) => error instanceof kind)) return (error as Error).message;
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  return cause ? `${message}: ${cause.message}` : message;
}

async function dispatch(argv: readonly string[], io: AdminIo): Promise<void> {
  const [command, action] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return;
  }
  if (command === 'migrate') return migrate(argv.slice(1), io);
  if (command === 'tenant' && action === 'create') return tenantCreate(argv.slice(2), io);
  if (command === 'user' && action === 'create') return userCreate(argv.slice(2), io);
  if (command === 'platform-admin' && action === 'create') {
    return platformAdminCreate(argv.slice(2), io);
  }
  throw new UsageError(command ? `unknown command: ${argv.slice(0, 2).join(' ')}` : 'no command');
}

async function migrate(args: readonly string[], io: AdminIo): Promise<void> {
  parse(args, {}, 0);
  const config = parseAdminConfig(io.env);
  const log = createLogger('zajoni-admin', config.LOG_LEVEL);
  const applied = await runMigrations(config.DATABASE_URL, log);
  io.out(applied.length === 0 ? 'schema already up to date\n' : `applied ${applied.join(', ')}\n`);
}

async function tenantCreate(args: readonly string[], io: AdminIo): Promise<void> {
  const { values, positionals } = parse(args, { name: { type: 'string' } }, 1);
  const [id = ''] = positionals;
  const tenant = await withPool(io, (pool) => createTenant(pool, id, values.name ?? id));
  io.out(`created tenant ${tenant.id} (${tenant.displayName})\n`);
}

async function userCreate(args: readonly string[], io: AdminIo): Promise<void> {
  const options = {
    tenant: { type: 'string' },
    address: { type: 'string' },
    password: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    role: { type: 'string' },
  } as const;
  const { values } = parse(args, options, 0);
  const role = parseRole(values.role);
  if (!values.tenant || !values.address)
    throw new UsageError('--tenant and --address are required');
  if ((values.password === undefined) === !values['password-stdin']) {
    throw new UsageError('give exactly one of --password and --password-stdin');
  }
  const password = values.password ?? stripNewline(await io.readStdin());
  const { tenant, address } = values;
  const user = await withPool(io, (pool) => createUser(pool, tenant, address, password, role));
  const roleNote = user.role === 'user' ? '' : `, ${user.role}`;
  io.out(`created user ${user.address} in tenant ${user.tenant} (id ${user.id}${roleNote})\n`);
}

function parseRole(value: string | undefined): UserRole {
  if (value === undefined) return 'user';
  const role = USER_ROLES.find((r) => r === value);
  if (!role) throw new UsageError(`--role must be one of ${USER_ROLES.join(', ')}`);
  return role;
}

async function platformAdminCreate(args: readonly string[], io: AdminIo): Promise<void> {
  const { values } = parse(args, { name: { type: 'string' } }, 0);
  const name = values.name?.trim();
  if (!name) throw new UsageError('--name is required');
  const admin = await withPool(io, (pool) => createPlatformAdmin(pool, name));
  io.err(`created platform admin ${name} (id ${admin.id}); its API token, shown only now:\n`);
  io.out(`${admin.token}\n`);
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse<O extends OptionSpec>(args: readonly string[], options: O, positionals: number) {
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: positionals > 0 });
    if (parsed.positionals.length !== positionals) {
      throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

async function withPool<T>(io: AdminIo, work: (pool: ReturnType<typeof createPool>) => Promise<T>) {
  const config = parseAdminConfig(io.env);
  const pool = createPool(config.DATABASE_URL, createLogger('zajoni-admin', config.LOG_LEVEL));
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** A password piped in usually ends with one newline that is not part of it. */
function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

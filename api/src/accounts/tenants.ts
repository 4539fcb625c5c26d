import { TENANT_ID } from '#shared';
import type { Pool } from 'pg';
import { type Db, SQL_STATE, inTransaction, sqlState } from '../db/pool.ts';
import { DuplicateTenantError, InvalidArgumentError, InvalidTenantIdError } from '../errors.ts';
import { tryNormalizeAddress } from './addresses.ts';

/** How new accounts come about: anyone in a sender domain may sign up, or admins invite. */
export const SIGN_UP_MODES = ['open', 'invite'] as const;
export type SignUpMode = (typeof SIGN_UP_MODES)[number];

/** Days a tenant's records are kept when nobody says otherwise. */
export const DEFAULT_RETENTION_DAYS = 90;

export interface Tenant {
  readonly id: string;
  readonly displayName: string;
  readonly signUp: SignUpMode;
  /** Confirmations setting a new account starts with. */
  readonly confirmationsDefault: boolean;
  /** Days delivery records are kept. */
  readonly retentionDays: number;
  /** Domains (lowercase) whose addresses may have accounts through sign-up. */
  readonly senderDomains: readonly string[];
  readonly createdAt: Date;
}

/** A tenant's settings as the platform admin (or the operator) registers them. */
export interface TenantSettings {
  readonly id: string;
  readonly displayName: string;
  readonly signUp: SignUpMode;
  readonly confirmationsDefault: boolean;
  readonly retentionDays: number;
  readonly senderDomains: readonly string[];
}

interface TenantRow {
  id: string;
  display_name: string;
  sign_up: SignUpMode;
  confirmations_default: boolean;
  retention_days: number;
  sender_domains: string[];
  created_at: Date;
}

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    displayName: row.display_name,
    signUp: row.sign_up,
    confirmationsDefault: row.confirmations_default,
    retentionDays: row.retention_days,
    senderDomains: row.sender_domains,
    createdAt: row.created_at,
  };
}

/**
 * Creates a tenant with default settings (invitation only, confirmations on, 90 days, no sender
 * domains); `displayName` defaults to the id. Throws InvalidTenantIdError for an id that is not
 * a DNS label, DuplicateTenantError when it exists.
 */
export async function createTenant(db: Db, id: string, displayName = id): Promise<Tenant> {
  if (!TENANT_ID.test(id)) throw new InvalidTenantIdError(id);
  try {
    const { rows } = await db.query<TenantRow>(
      'INSERT INTO tenants (id, display_name) VALUES ($1, $2) RETURNING *',
      [id, displayName],
    );
    const row = rows[0];
    if (!row) throw new Error('INSERT … RETURNING returned no row');
    return toTenant(row);
  } catch (error) {
    if (sqlState(error) === SQL_STATE.uniqueViolation)
      throw new DuplicateTenantError(id, { cause: error });
    throw error;
  }
}

/**
 * Creates or updates a tenant to exactly these settings: calling it again with the same input
 * changes nothing, so the operator may call it on every reconcile. Throws InvalidTenantIdError
 * or InvalidArgumentError (retention, sender domains).
 */
export async function registerTenant(db: Db, settings: TenantSettings): Promise<Tenant> {
  if (!TENANT_ID.test(settings.id)) throw new InvalidTenantIdError(settings.id);
  if (!Number.isInteger(settings.retentionDays) || settings.retentionDays < 1) {
    throw new InvalidArgumentError('retentionDays', 'retentionDays must be a positive integer');
  }
  const domains = settings.senderDomains.map(normalizeDomain);
  const { rows } = await db.query<TenantRow>(
    `INSERT INTO tenants
       (id, display_name, sign_up, confirmations_default, retention_days, sender_domains)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET
       display_name = EXCLUDED.display_name,
       sign_up = EXCLUDED.sign_up,
       confirmations_default = EXCLUDED.confirmations_default,
       retention_days = EXCLUDED.retention_days,
       sender_domains = EXCLUDED.sender_domains
     RETURNING *`,
    [
      settings.id,
      settings.displayName,
      settings.signUp,
      settings.confirmationsDefault,
      settings.retentionDays,
      [...new Set(domains)].sort(),
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return toTenant(row);
}

/**
 * Deletes a tenant with its accounts and records; false when it did not exist, so the operator
 * may call it again after a crash.
 */
export async function deregisterTenant(pool: Pool, id: string): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    // Row-level security on the message tables admits only the tenant this transaction names.
    await client.query("SELECT set_config('zajoni.tenant', $1, true)", [id]);
    // Messages reference the tenant without a cascade: they go first, their recipients and
    // attempts with them; users take their sessions, tokens and reset links along.
    await client.query('DELETE FROM messages WHERE tenant_id = $1', [id]);
    await client.query('DELETE FROM users WHERE tenant_id = $1', [id]);
    const { rowCount } = await client.query('DELETE FROM tenants WHERE id = $1', [id]);
    return rowCount === 1;
  });
}

/** One tenant, or null. */
export async function findTenant(db: Db, id: string): Promise<Tenant | null> {
  const { rows } = await db.query<TenantRow>('SELECT * FROM tenants WHERE id = $1', [id]);
  return rows[0] ? toTenant(rows[0]) : null;
}

/** Every tenant, by id. */
export async function listTenants(db: Db): Promise<Tenant[]> {
  const { rows } = await db.query<TenantRow>('SELECT * FROM tenants ORDER BY id');
  return rows.map(toTenant);
}

/** Whether `address` (stored form) is in one of the tenant's sender domains. */
export function inSenderDomains(tenant: Tenant, address: string): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return tenant.senderDomains.includes(domain);
}

function normalizeDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  // A domain is valid when an address in it is: reuse the address rules.
  if (!tryNormalizeAddress(`x@${lower}`)) {
    throw new InvalidArgumentError('senderDomains', `not a domain name: ${JSON.stringify(domain)}`);
  }
  return lower;
}

/**
 * Creates the tenant row unless it exists, named after its id. Ingest calls it for every record.
 * LIMITATION: a tenant created here is named after its id and takes the default settings until
 * the operator (registerTenant) or `zajoni-admin` registers it.
 */
export async function ensureTenant(db: Db, id: string): Promise<void> {
  await db.query(
    'INSERT INTO tenants (id, display_name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING',
    [id],
  );
}

import { TENANT_ID } from '#shared';
import { type Db, SQL_STATE, sqlState } from '../db/pool.ts';
import { DuplicateTenantError, InvalidTenantIdError } from '../errors.ts';

export interface Tenant {
  readonly id: string;
  readonly displayName: string;
  readonly createdAt: Date;
}

interface TenantRow {
  id: string;
  display_name: string;
  created_at: Date;
}

/**
 * Creates a tenant; `displayName` defaults to the id. Throws InvalidTenantIdError for an id that
 * is not a DNS label, DuplicateTenantError when it exists.
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
    return { id: row.id, displayName: row.display_name, createdAt: row.created_at };
  } catch (error) {
    if (sqlState(error) === SQL_STATE.uniqueViolation)
      throw new DuplicateTenantError(id, { cause: error });
    throw error;
  }
}

/**
 * Creates the tenant row unless it exists, named after its id. Ingest calls it for every record.
 * LIMITATION: tenants are not provisioned from Kubernetes yet; one created here is named after
 * its id until `zajoni-admin` or the operator gives it a name.
 */
export async function ensureTenant(db: Db, id: string): Promise<void> {
  await db.query(
    'INSERT INTO tenants (id, display_name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING',
    [id],
  );
}

import type { Pool } from 'pg';
import { newUlid } from '#shared';
import { inTransaction, SQL_STATE, sqlState } from '../db/pool.ts';
import { DuplicatePlatformAdminError } from '../errors.ts';
import { createApiToken } from './api-tokens.ts';

/**
 * Creates a platform admin named `name` with one API token named `tokenName`. Returns the token,
 * which is stored only as its hash: the caller must show it now. Throws
 * DuplicatePlatformAdminError when the name is taken.
 */
export async function createPlatformAdmin(
  pool: Pool,
  name: string,
  tokenName = 'initial',
): Promise<{ id: string; token: string }> {
  return inTransaction(pool, async (client) => {
    const id = newUlid();
    try {
      await client.query('INSERT INTO platform_admins (id, name) VALUES ($1, $2)', [id, name]);
    } catch (error) {
      if (sqlState(error) === SQL_STATE.uniqueViolation) {
        throw new DuplicatePlatformAdminError(`platform admin ${name} already exists`, {
          cause: error,
        });
      }
      throw error;
    }
    const { token } = await createApiToken(client, { platformAdminId: id }, tokenName);
    return { id, token };
  });
}

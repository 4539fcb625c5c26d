import { ForbiddenError, InvalidArgumentError } from '../errors.ts';
import type { Caller } from './caller.ts';

/** The caller when it is an account (user or tenant admin); a platform admin is refused. */
export function requireAccount(caller: Caller): Extract<Caller, { kind: 'user' | 'tenant-admin' }> {
  if (caller.kind === 'platform-admin') {
    throw new ForbiddenError('this operation is for accounts; a platform admin has none');
  }
  return caller;
}

/** Refuses anyone but a platform admin. */
export function requirePlatformAdmin(caller: Caller): void {
  if (caller.kind !== 'platform-admin') {
    throw new ForbiddenError('only a platform admin may do this');
  }
}

/**
 * The tenant an administrative operation acts on. A tenant admin acts on its own tenant only
 * (naming another is refused); a platform admin must name one; a user may not administer.
 */
export function adminTenant(caller: Caller, requested: string | null | undefined): string {
  if (caller.kind === 'platform-admin') {
    if (!requested)
      throw new InvalidArgumentError('tenant', 'a platform admin must name the tenant');
    return requested;
  }
  if (caller.kind !== 'tenant-admin') {
    throw new ForbiddenError("only the tenant's admins may manage its users");
  }
  if (requested && requested !== caller.tenant) {
    throw new ForbiddenError('a tenant admin manages its own tenant only');
  }
  return caller.tenant;
}

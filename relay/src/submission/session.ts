import type { SMTPServerSession } from 'smtp-server';

/** The account smtp-server keeps on the session after a successful AUTH. */
export interface SessionUser {
  id: string;
  address: string;
  tenant: string;
  /** Whether the user wants a confirmation per delivered message. */
  confirmations: boolean;
}

export function sessionUser(session: SMTPServerSession): SessionUser | null {
  const user: unknown = session.user;
  if (typeof user !== 'object' || user === null) return null;
  const { id, address, tenant, confirmations } = user as Record<string, unknown>;
  if (typeof id !== 'string' || typeof address !== 'string' || typeof tenant !== 'string') {
    return null;
  }
  return { id, address, tenant, confirmations: confirmations !== false };
}

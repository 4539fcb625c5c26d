/**
 * Public entry of the Zajoni API: what other packages (end-to-end tests, the operator, tools)
 * may import. Everything else under api/src is internal.
 */
export {
  DEFAULT_API_HOST,
  DEFAULT_API_PORT,
  adminConfigSchema,
  apiConfigSchema,
  parseAdminConfig,
  parseApiConfig,
} from './config.ts';
export type { AdminConfig, ApiConfig } from './config.ts';
export { MIGRATIONS_DIR, MIGRATIONS_TABLE, runMigrations } from './db/migrate.ts';
export { createPool } from './db/pool.ts';
export {
  MESSAGE_STATUSES,
  STORED_RECIPIENT_STATUSES,
  deriveMessageStatus,
} from './messages/status.ts';
export type { MessageStatus, StoredRecipientStatus } from './messages/status.ts';
export {
  ConsumerSetupError,
  DuplicateTenantError,
  DuplicateUserError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidPasswordError,
  InvalidTenantIdError,
  MigrationError,
  QueueIdConflictError,
  ShutdownError,
  StoreTranscriptError,
  UnauthenticatedError,
  UnknownTenantError,
  UsageError,
} from './errors.ts';

/**
 * Public entry of the Zajoni API: what other packages (end-to-end tests, the operator, tools)
 * may import. Everything else under api/src is internal.
 */
export { startApi } from './api.ts';
export type { RunningApi } from './api.ts';
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
export { APP_ROLE, createPool } from './db/pool.ts';
export type { PoolOptions } from './db/pool.ts';
export { TENANT_SETTING, withTenant } from './db/tenant-scope.ts';
export { startRetention } from './messages/retention.ts';
export type { RetentionJob, RetentionOptions } from './messages/retention.ts';
export { MAX_FILTER_TEXT } from './messages/filter.ts';
export { DELIVERY_EVENT_PREFIX } from './messages/events.ts';
export { LIMIT_CODES, QUERY_LIMITS } from './http/limits.ts';
export { normalizeAddress } from './accounts/addresses.ts';
export { AUTH_QUEUE_GROUP, startAuthResponder } from './accounts/auth-responder.ts';
export type { AuthResponder } from './accounts/auth-responder.ts';
export { checkCredentials } from './accounts/credentials.ts';
export type { Credentials } from './accounts/credentials.ts';
export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './accounts/passwords.ts';
export {
  DEFAULT_RETENTION_DAYS,
  SIGN_UP_MODES,
  createTenant,
  deregisterTenant,
  ensureTenant,
  findTenant,
  registerTenant,
} from './accounts/tenants.ts';
export type { SignUpMode, Tenant, TenantSettings } from './accounts/tenants.ts';
export { USER_ROLES, createUser, findUser } from './accounts/users.ts';
export type { User, UserRole } from './accounts/users.ts';
export { CALLER_KINDS, TENANT_HEADER as CALLER_TENANT_HEADER } from './accounts/caller.ts';
export type { Caller, CallerCredential, CallerKind } from './accounts/caller.ts';
export { createAccountServices, createOfflineAccountServices } from './accounts/services.ts';
export type { AccountServices } from './accounts/services.ts';
export { createAuthLimiter, DEFAULT_AUTH_LIMITS } from './accounts/rate-limit.ts';
export type { AuthLimiter, AuthLimitSettings } from './accounts/rate-limit.ts';
export { checkPassword } from './accounts/credentials.ts';
export type { PasswordCheck } from './accounts/credentials.ts';
export { createNoticeMailer } from './accounts/notices.ts';
export type { Notice, NoticeMailer } from './accounts/notices.ts';
export { createPlatformAdmin } from './accounts/platform-admins.ts';
export { TOKEN_PREFIX, hashToken } from './accounts/tokens.ts';
export { ACCOUNT_ERROR_CODES } from './http/account-errors.ts';
export { DEFAULT_RETRY_DELAY_MS, startIngest } from './ingest/consumer.ts';
export type { Ingest, IngestOptions } from './ingest/consumer.ts';
export { storeTranscript } from './ingest/store-transcript.ts';
export type { StoreOutcome } from './ingest/store-transcript.ts';
export {
  MESSAGE_STATUSES,
  STORED_RECIPIENT_STATUSES,
  deriveMessageStatus,
} from './messages/status.ts';
export type { MessageStatus, StoredRecipientStatus } from './messages/status.ts';
export { ERROR_CODES } from './http/error-boundary.ts';
export { HEALTH_PATH } from './http/health.ts';
export { GRAPHQL_PATH, createApiYoga } from './http/yoga.ts';
export type { ApiYoga } from './http/yoga.ts';
export { MAX_PAGE_SIZE, TENANT_HEADER } from './resolvers/index.ts';
export { EXIT, USAGE, runAdmin } from './admin/commands.ts';
export type { AdminIo } from './admin/commands.ts';
export {
  ConsumerSetupError,
  DuplicatePlatformAdminError,
  ForbiddenError,
  InvalidTokenError,
  RateLimitedError,
  SignUpClosedError,
  DeliveryEventsError,
  DuplicateTenantError,
  DuplicateUserError,
  InvalidAddressError,
  InvalidArgumentError,
  InvalidCursorError,
  InvalidPasswordError,
  InvalidTenantIdError,
  MigrationError,
  PageTooLargeError,
  QueueIdConflictError,
  ShutdownError,
  StoreTranscriptError,
  UnauthenticatedError,
  UnknownTenantError,
  UsageError,
} from './errors.ts';

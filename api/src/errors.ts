/**
 * One class per failure kind of the API. Callers branch on `instanceof`; the GraphQL boundary
 * (http/error-boundary.ts) maps the ones a client can cause to an `extensions.code`.
 */

/** The database schema could not be brought up to date. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** A mail address is not usable as an account address (see accounts/addresses.ts). */
export class InvalidAddressError extends Error {
  override name = 'InvalidAddressError';
  readonly address: string;

  constructor(address: string, reason: string, options?: ErrorOptions) {
    super(`invalid address ${JSON.stringify(address)}: ${reason}`, options);
    this.address = address;
  }
}

/** A tenant id is not an RFC 1123 label (shared TENANT_ID). */
export class InvalidTenantIdError extends Error {
  override name = 'InvalidTenantIdError';
  readonly tenant: string;

  constructor(tenant: string) {
    super(`invalid tenant id ${JSON.stringify(tenant)}: must be a lowercase DNS label`);
    this.tenant = tenant;
  }
}

/** A new password does not meet the length rules. */
export class InvalidPasswordError extends Error {
  override name = 'InvalidPasswordError';
}

/** The tenant named by an account operation does not exist. */
export class UnknownTenantError extends Error {
  override name = 'UnknownTenantError';
  readonly tenant: string;

  constructor(tenant: string, options?: ErrorOptions) {
    super(`tenant ${tenant} does not exist`, options);
    this.tenant = tenant;
  }
}

/** A tenant with this id already exists. */
export class DuplicateTenantError extends Error {
  override name = 'DuplicateTenantError';
  readonly tenant: string;

  constructor(tenant: string, options?: ErrorOptions) {
    super(`tenant ${tenant} already exists`, options);
    this.tenant = tenant;
  }
}

/** An account with this address already exists in the tenant. */
export class DuplicateUserError extends Error {
  override name = 'DuplicateUserError';
  readonly tenant: string;
  readonly address: string;

  constructor(tenant: string, address: string, options?: ErrorOptions) {
    super(`user ${address} already exists in tenant ${tenant}`, options);
    this.tenant = tenant;
    this.address = address;
  }
}

/**
 * A transcript names a queue id already stored for another tenant. Storing it would show one
 * tenant's delivery to another, so the record is refused, never retried.
 */
export class QueueIdConflictError extends Error {
  override name = 'QueueIdConflictError';
  readonly queueId: string;
  readonly tenant: string;

  constructor(queueId: string, tenant: string) {
    super(`queue id ${queueId} belongs to a tenant other than ${tenant}`);
    this.queueId = queueId;
    this.tenant = tenant;
  }
}

/** Storing a transcript failed for a reason that may pass (database down, deadlock). */
export class StoreTranscriptError extends Error {
  override name = 'StoreTranscriptError';
  readonly attemptId: string;

  constructor(attemptId: string, options?: ErrorOptions) {
    super(`cannot store transcript ${attemptId}`, options);
    this.attemptId = attemptId;
  }
}

/**
 * Records stored together in one transaction cannot all be: one names another tenant's queue id,
 * or another transaction stored one meanwhile. Nothing was written; store them one by one.
 */
export class BatchIncompleteError extends Error {
  override name = 'BatchIncompleteError';

  constructor() {
    super('cannot store the records in one transaction');
  }
}

/** The caller sent no credentials, or wrong ones. */
export class UnauthenticatedError extends Error {
  override name = 'UnauthenticatedError';
}

/** A GraphQL argument is out of range or malformed (bad cursor, page size too large). */
export class InvalidArgumentError extends Error {
  override name = 'InvalidArgumentError';
  readonly argument: string;

  constructor(argument: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.argument = argument;
  }
}

/** The admin CLI was called with arguments it does not understand. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The durable transcript consumer could not be created or updated. */
export class ConsumerSetupError extends Error {
  override name = 'ConsumerSetupError';
}

/** One or more components failed to close; `cause` is the first failure. */
export class ShutdownError extends Error {
  override name = 'ShutdownError';
}

/** The caller is authenticated but its role does not allow the operation. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/**
 * Too many failed sign-ins or SMTP AUTH attempts for an account or a client address. Temporary:
 * `retryAfterSeconds` says when the window that holds the failures ends.
 */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super(`too many failed attempts; try again in ${retryAfterSeconds} seconds`, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Too many account mails (password reset, username reminder, address verification) asked for
 * one address or from one client. Counted per address whether or not it has an account, so the
 * limit tells nothing about which accounts exist.
 */
export class MailRateLimitedError extends RateLimitedError {
  override name = 'MailRateLimitedError';

  constructor(retryAfterSeconds: number, options?: ErrorOptions) {
    super(retryAfterSeconds, options);
    this.message = `too many account mails requested; try again in ${retryAfterSeconds} seconds`;
  }
}

/**
 * The password is right but the account's address is not verified yet (an open sign-up whose
 * mailed link has not been opened). Only a caller that knows the password learns this.
 */
export class AddressNotVerifiedError extends Error {
  override name = 'AddressNotVerifiedError';
}

/** The tenant takes new accounts by invitation only (or does not exist). */
export class SignUpClosedError extends Error {
  override name = 'SignUpClosedError';
}

/** A password-reset or verification token is unknown, already used or expired (all alike). */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** A platform admin with this name already exists. */
export class DuplicatePlatformAdminError extends Error {
  override name = 'DuplicatePlatformAdminError';
}

/** A pagination cursor that this API did not issue (`extensions.code` BAD_CURSOR). */
export class InvalidCursorError extends InvalidArgumentError {
  override name = 'InvalidCursorError';
}

/** A page size above the maximum (`extensions.code` PAGE_TOO_LARGE). */
export class PageTooLargeError extends InvalidArgumentError {
  override name = 'PageTooLargeError';
  readonly max: number;

  constructor(argument: string, max: number) {
    super(argument, `${argument} must be at most ${max}`);
    this.max = max;
  }
}

/** The delivery events subscription cannot start (NATS not connected, subscription refused). */
export class DeliveryEventsError extends Error {
  override name = 'DeliveryEventsError';
}

/** PLATFORM_ADMIN_TOKEN_FILE is unreadable or holds no acceptable token; the API does not start. */
export class PlatformAdminTokenError extends Error {
  override name = 'PlatformAdminTokenError';
}

/** The account's rolling quota has no free slot (a test message from the console). */
export class QuotaReachedError extends RateLimitedError {
  override name = 'QuotaReachedError';

  constructor(limit: number, retryAfterSeconds: number) {
    super(retryAfterSeconds);
    this.message = `the limit of ${limit} messages a day is reached; try again in ${retryAfterSeconds} seconds`;
  }
}

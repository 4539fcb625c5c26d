/** A request to the Kubernetes API failed; `status` is the HTTP status when there was one. */
export class KubeRequestError extends Error {
  override name = 'KubeRequestError';
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }

  /** Someone else changed the object since we read it (409): read again and retry. */
  get isConflict(): boolean {
    return this.status === 409;
  }
}

/**
 * The API refused or failed a tenant registration call. `code` is the first GraphQL error's
 * `extensions.code`, `status` the HTTP status, when there were any.
 */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly code: string | undefined;
  readonly status: number | undefined;

  constructor(
    message: string,
    details: { code?: string; status?: number } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = details.code;
    this.status = details.status;
  }
}

/**
 * The API did not accept API_TOKEN as a platform admin (UNAUTHENTICATED or FORBIDDEN): a
 * person must fix the token; retrying alone will not help.
 */
export class RegistryAuthError extends RegistryError {
  override name = 'RegistryAuthError';
}

/** A deleted tenant's NATS state could not be removed. */
export class NatsCleanupError extends Error {
  override name = 'NatsCleanupError';
}

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

/** The API refused or failed a tenant registration call. */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

/** A deleted tenant's NATS state could not be removed. */
export class NatsCleanupError extends Error {
  override name = 'NatsCleanupError';
}

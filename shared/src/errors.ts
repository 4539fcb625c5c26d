/** A setting read from the environment is missing or invalid; `problems` lists every one. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** A record received from another service does not match the shared schema. */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
  readonly issues: readonly string[];

  constructor(kind: string, issues: readonly string[], options?: ErrorOptions) {
    super(`invalid ${kind}: ${issues.join('; ')}`, options);
    this.issues = issues;
  }
}

/** The quota store (JetStream KV) could not be read or updated. */
export class QuotaStoreError extends Error {
  override name = 'QuotaStoreError';
}

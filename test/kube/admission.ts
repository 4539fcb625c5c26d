import { invalid, type StatusCause } from './errors.ts';
import type { ResourceType } from './resource-type.ts';
import type { KubeObject } from './types.ts';

/** How a write asked the server to treat unknown fields, and where warnings go. */
export interface AdmissionOptions {
  /** The `fieldValidation` query parameter; unset means Warn, as on the real server. */
  fieldValidation: string | undefined;
  /** Sent back as `Warning: 299 - "..."` headers. */
  warnings: string[];
}

/**
 * A check-and-default step run on every write before it is stored: returns the object to
 * store (defaulted, pruned) or throws a 422 Invalid KubeApiError. `old` is undefined on create.
 */
export type Admission = (
  type: ResourceType,
  version: string,
  object: KubeObject,
  old: KubeObject | undefined,
  options: AdmissionOptions,
) => KubeObject;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_HINT =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HINT =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** The object-name rule of the real server: RFC 1123 subdomain, or label for namespaces. */
export function validateName(type: ResourceType, object: KubeObject): void {
  const name = object.metadata.name ?? '';
  const label = type.plural === 'namespaces' && type.group === '';
  const valid = label
    ? DNS_LABEL.test(name) && name.length <= 63
    : DNS_SUBDOMAIN.test(name) && name.length <= 253;
  if (valid) return;
  const cause: StatusCause = {
    reason: 'FieldValueInvalid',
    message: `Invalid value: "${name}": ${label ? LABEL_HINT : SUBDOMAIN_HINT}`,
    field: 'metadata.name',
  };
  throw invalid({ group: type.group, plural: type.plural, name }, type.kind, [cause]);
}

/** Runs admissions in order, each on the result of the previous. */
export function chainAdmissions(admissions: Admission[]): Admission {
  return (type, version, object, old, options) =>
    admissions.reduce((current, admit) => admit(type, version, current, old, options), object);
}

import type { JsonObject } from './types.ts';

/** The `reason` values of a failed `Status`, as the real API server sends them. */
export const StatusReason = {
  BadRequest: 'BadRequest',
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Invalid: 'Invalid',
  Gone: 'Expired',
  Forbidden: 'Forbidden',
  MethodNotAllowed: 'MethodNotAllowed',
  UnsupportedMediaType: 'UnsupportedMediaType',
  NotAcceptable: 'NotAcceptable',
  InternalError: 'InternalError',
} as const;
export type StatusReason = (typeof StatusReason)[keyof typeof StatusReason];

/** One cause of an Invalid or Conflict status: `field` is a dotted path like `spec.replicas`. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** What a Status' `details` names: the object, its group and kind (plural resource). */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/**
 * A request the API refuses. The HTTP boundary turns it into a `Status` object with `code`
 * as the HTTP status; anything else thrown becomes a 500 InternalError.
 */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(
    code: number,
    reason: StatusReason,
    message: string,
    details?: StatusDetails,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The `Status` body the real API server returns for this failure. */
  toStatus(): JsonObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** Where a failing object lives, for the messages and `details` of its errors. */
export interface ErrorTarget {
  group: string;
  plural: string;
  name: string;
}

function qualified(target: ErrorTarget): string {
  return target.group ? `${target.plural}.${target.group}` : target.plural;
}

function detailsOf(target: ErrorTarget): StatusDetails {
  return { name: target.name, group: target.group, kind: target.plural };
}

/** 404, e.g. `configmaps "x" not found`. */
export function notFound(target: ErrorTarget): KubeApiError {
  const message = `${qualified(target)} "${target.name}" not found`;
  return new KubeApiError(404, StatusReason.NotFound, message, detailsOf(target));
}

/** 409 on create of a name that exists. */
export function alreadyExists(target: ErrorTarget): KubeApiError {
  const message = `${qualified(target)} "${target.name}" already exists`;
  return new KubeApiError(409, StatusReason.AlreadyExists, message, detailsOf(target));
}

/** 409 on a stale resourceVersion or a failed precondition. */
export function conflict(target: ErrorTarget, why: string): KubeApiError {
  const message = `Operation cannot be fulfilled on ${qualified(target)} "${target.name}": ${why}`;
  return new KubeApiError(409, StatusReason.Conflict, message, detailsOf(target));
}

/** The message of a stale resourceVersion conflict, word for word from the real server. */
export const STALE_OBJECT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 422 with one cause per failing field, like `Tenant.zajoni.io "a" is invalid: [...]`. */
export function invalid(
  target: ErrorTarget,
  kindName: string,
  causes: StatusCause[],
): KubeApiError {
  const kind = target.group ? `${kindName}.${target.group}` : kindName;
  const summary = causes.map((cause) => `${cause.field ?? ''}: ${cause.message}`.trim());
  const list = summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`;
  const message = `${kind} "${target.name}" is invalid: ${list}`;
  return new KubeApiError(422, StatusReason.Invalid, message, {
    ...detailsOf(target),
    kind: kindName,
    causes,
  });
}

/** 400 BadRequest with a free message. */
export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, StatusReason.BadRequest, message);
}

/** 410 Gone for a resourceVersion older than the event history window. */
export function resourceVersionTooOld(requested: string, oldest: number): KubeApiError {
  const message = `too old resource version: ${requested} (${oldest})`;
  return new KubeApiError(410, StatusReason.Gone, message);
}

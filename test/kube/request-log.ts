import type { PatchType } from './patch.ts';

/** The request kinds of the log, as the API server's audit log names its verbs. */
export const Verb = {
  get: 'get',
  list: 'list',
  watch: 'watch',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'deletecollection',
  discovery: 'discovery',
  other: 'other',
} as const;
export type Verb = (typeof Verb)[keyof typeof Verb];

/** Verbs that change state. */
export const WRITE_VERBS: readonly Verb[] = [
  Verb.create,
  Verb.update,
  Verb.patch,
  Verb.delete,
  Verb.deletecollection,
];

/** One HTTP request the fixture served. */
export interface RequestRecord {
  method: string;
  /** URL path without the query. */
  path: string;
  query: Record<string, string>;
  verb: Verb;
  /** Set for PATCH: merge, json, strategic or apply. */
  patchType?: PatchType;
  /** The `fieldManager` query parameter, when sent. */
  fieldManager?: string;
  userAgent: string;
  /** API group ('' for core), version, plural resource, as resolved from the path. */
  group?: string;
  version?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** HTTP status of the answer; set once the response is sent (0 until then). */
  status: number;
}

/** True for requests that change state (create, update, patch, delete, deletecollection). */
export function isWrite(record: RequestRecord): boolean {
  return WRITE_VERBS.includes(record.verb);
}

/**
 * A Kubernetes API server test fixture: speaks the REST protocol over HTTP on loopback, for
 * tests of the operator with `@kubernetes/client-node` and `kubectl`. See README.md for what is
 * faithful and what is approximated.
 */
export { startKubeApiServer } from './server.ts';
export type { KubeApiServer, KubeApiServerOptions } from './server.ts';
export type { FixtureStore, ObjectRef } from './fixture-store.ts';
export { isWrite, Verb } from './request-log.ts';
export type { RequestRecord } from './request-log.ts';
export { PatchType } from './patch.ts';
export { KubeApiError, StatusReason } from './errors.ts';
export type { StatusCause } from './errors.ts';
export type { KubeObject, ObjectMeta, OwnerReference, JsonObject } from './types.ts';
export { runKubectl, kubectlPath } from './kubectl.ts';
export type { KubectlResult } from './kubectl.ts';

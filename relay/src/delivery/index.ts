export { DEFAULT_MAX_CONNECTIONS, deliverToDomain, messageInfo } from './deliver.ts';
export type { DeliveryJob, DeliveryOptions } from './deliver.ts';
export { ConnectTimeoutError, DeliveryJobError } from './errors.ts';
export { createMxResolver, DEFAULT_DNS_TIMEOUT_MS } from './mx.ts';
export {
  createConnectionPool,
  DEFAULT_POOL_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX_IDLE_PER_SERVER,
  DEFAULT_POOL_MAX_MESSAGES,
} from './connection-pool.ts';
export type { ConnectionPool, ConnectionPoolOptions } from './connection-pool.ts';
export {
  createMtaStsPolicies,
  DEFAULT_MAX_CACHED_POLICIES,
  DEFAULT_POLICY_FETCH_TIMEOUT_MS,
  mxMatchesPolicy,
} from './mta-sts.ts';
export type { MtaStsOptions, TlsPolicySource } from './mta-sts.ts';
export type {
  DnsClient,
  MxFailure,
  MxHost,
  MxResolution,
  MxResolver,
  MxResolverOptions,
} from './mx.ts';
export { needsSmtpUtf8 } from './screen.ts';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_GREETING_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUTS,
} from './session.ts';
export type { SessionTimeouts } from './session.ts';

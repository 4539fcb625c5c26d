export {
  DEFAULT_DNS_START_TIMEOUT_MS,
  DnsConfigError,
  DnsStartError,
  NULL_MX_HOST,
  startDns,
  type DnsInstance,
  type DnsOptions,
  type DnsZone,
  type HostRecord,
  type MxRecord,
} from './dns.ts';
export { startNats, type NatsInstance } from './nats.ts';
export {
  DEFAULT_MAIL_WAIT_MS,
  DEFAULT_POSTFIX_TIMEOUT_MS,
  PostfixConfigError,
  PostfixProcessError,
  startPostfix,
  type PostfixInstance,
  type PostfixOptions,
  type WaitForMailOptions,
} from './postfix.ts';
export { startPostgres, type PostgresInstance } from './postgres.ts';
export { freePort, startProcess, waitFor, type Managed } from './process.ts';
export {
  CERTIFICATE_FILES,
  CertificateError,
  createSelfSignedCertificate,
  DEFAULT_CERTIFICATE_DAYS,
  type SelfSignedCertificate,
  type SelfSignedCertificateOptions,
} from './tls.ts';

import { RELAY_NAME } from './labels.ts';
import { baseMetadata } from './metadata.ts';
import type { DesiredInput, DesiredObject } from './types.ts';

/** Ports the relay listens on inside the Pod: unprivileged, so it runs without capabilities. */
export const CONTAINER_PORTS = { submission: 2587, submissions: 2465 } as const;

/** Where the Pod sees the ConfigMap's policy file and the TLS Secret. */
export const POLICY_DIR = '/etc/zajoni/policy';
export const POLICY_FILE_KEY = 'policy.json';
export const TLS_DIR = '/etc/zajoni/tls';

/** Relay variables a QuotaPolicy sets; the relay reloads them live from the policy file. */
export const QUOTA_ENV_KEYS = ['DAILY_LIMIT', 'MAX_RECIPIENTS', 'MAX_MESSAGE_SIZE'] as const;

/** The relay's environment (relay/src/config.ts), as the ConfigMap's keys. */
export function relayEnvironment(input: DesiredInput): Record<string, string> {
  const { tenant, quota, tls } = input;
  const tlsEnv: Record<string, string> = tls
    ? { TLS_KEY_FILE: `${TLS_DIR}/tls.key`, TLS_CERT_FILE: `${TLS_DIR}/tls.crt` }
    : { RELAY_SELF_SIGNED: 'true' };
  return {
    TENANT: tenant.metadata.name,
    NATS_URL: input.natsUrl,
    RELAY_HOSTNAME: tenant.spec.relay.hostname,
    SUBMISSION_PORT: String(CONTAINER_PORTS.submission),
    SUBMISSIONS_PORT: String(CONTAINER_PORTS.submissions),
    ...tlsEnv,
    RELAY_POLICY_FILE: `${POLICY_DIR}/${POLICY_FILE_KEY}`,
    DAILY_LIMIT: String(quota.messagesPerDay),
    MAX_RECIPIENTS: String(quota.recipientsPerMessage),
    MAX_MESSAGE_SIZE: String(quota.maxMessageSize),
  };
}

/** The policy file the relay watches: the quota, applied without a restart. */
export function policyFile(input: DesiredInput): string {
  const { messagesPerDay, recipientsPerMessage, maxMessageSize, connectionsPerUser } = input.quota;
  const policy = { messagesPerDay, recipientsPerMessage, maxMessageSize, connectionsPerUser };
  return `${JSON.stringify(policy, null, 2)}\n`;
}

/** The relay's configuration: its environment and the live quota file. */
export function desiredConfigMap(input: DesiredInput): DesiredObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: baseMetadata(input, `${RELAY_NAME}-config`),
    data: { ...relayEnvironment(input), [POLICY_FILE_KEY]: policyFile(input) },
  };
}

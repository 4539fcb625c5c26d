import { hashOf } from '../../kube/hash.ts';
import {
  CONTAINER_PORTS,
  POLICY_DIR,
  POLICY_FILE_KEY,
  QUOTA_ENV_KEYS,
  relayEnvironment,
  TLS_DIR,
} from './config-map.ts';
import { RELAY_NAME, selectorLabels } from './labels.ts';
import { baseMetadata } from './metadata.ts';
import type { DesiredInput, DesiredObject } from './types.ts';

/**
 * Pod template annotation: hash of the relay's start-up settings. The relay reads its
 * environment once, so a change must roll the Pods; the quota keys are left out because the
 * relay reloads them from the policy file, and a quota edit must not drop SMTP sessions.
 */
export const CONFIG_HASH_ANNOTATION = 'zajoni.io/config-hash';

/**
 * Pod template annotation: hash of the TLS certificate, so a renewal rolls the Pods.
 *
 * LIMITATION: Secrets are not watched, so a renewal is seen at the next resync (RESYNC_MS,
 * default 10 minutes) or Tenant change; until then relays serve the old certificate.
 */
export const TLS_HASH_ANNOTATION = 'zajoni.io/tls-hash';

/** UID and GID the relay runs as; any non-zero id works, as the image needs no home. */
const RELAY_UID = 10001;

/** smtp-server waits up to 30 s for open sessions at shutdown (submission closeTimeout). */
const TERMINATION_GRACE_SECONDS = 45;

export function startupConfigHash(input: DesiredInput): string {
  const quotaKeys: readonly string[] = QUOTA_ENV_KEYS;
  const env = Object.entries(relayEnvironment(input)).filter(([key]) => !quotaKeys.includes(key));
  return hashOf(Object.fromEntries(env));
}

/** The relay Deployment; replicas 0 while the Tenant is paused. */
export function desiredDeployment(input: DesiredInput): DesiredObject {
  const { tenant, tls } = input;
  const replicas = tenant.spec.paused ? 0 : tenant.spec.relay.replicas;
  const podAnnotations: Record<string, string> = {
    [CONFIG_HASH_ANNOTATION]: startupConfigHash(input),
  };
  if (tls) podAnnotations[TLS_HASH_ANNOTATION] = tls.certificateHash;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: baseMetadata(input, RELAY_NAME),
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(tenant.metadata.name) },
      // A new Pod must be ready before an old one stops: capacity never drops during a rollout.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels: baseMetadata(input, RELAY_NAME).labels,
          annotations: podAnnotations,
        },
        spec: podSpec(input),
      },
    },
  };
}

function podSpec(input: DesiredInput) {
  const volumes: object[] = [
    {
      name: 'policy',
      configMap: {
        name: `${RELAY_NAME}-config`,
        items: [{ key: POLICY_FILE_KEY, path: POLICY_FILE_KEY }],
      },
    },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
  // The policy directory is mounted whole, never by subPath: only then does the kubelet's
  // symlink swap reach a running Pod when the ConfigMap changes.
  const mounts: object[] = [
    { name: 'policy', mountPath: POLICY_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (input.tls) {
    volumes.push({ name: 'tls', secret: { secretName: input.tls.secretName } });
    mounts.push({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
  }
  return {
    serviceAccountName: RELAY_NAME,
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RELAY_UID,
      runAsGroup: RELAY_UID,
      fsGroup: RELAY_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [relayContainer(input, mounts)],
    volumes,
  };
}

function relayContainer(input: DesiredInput, volumeMounts: object[]) {
  const probe = { tcpSocket: { port: 'submission' } };
  const container: Record<string, unknown> = {
    name: 'relay',
    image: input.image,
    envFrom: [{ configMapRef: { name: `${RELAY_NAME}-config` } }],
    ports: [
      { name: 'submission', containerPort: CONTAINER_PORTS.submission, protocol: 'TCP' },
      { name: 'submissions', containerPort: CONTAINER_PORTS.submissions, protocol: 'TCP' },
    ],
    readinessProbe: { ...probe, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { ...probe, periodSeconds: 20, failureThreshold: 3 },
    startupProbe: { ...probe, periodSeconds: 2, failureThreshold: 30 },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts,
  };
  const resources = input.tenant.spec.relay.resources;
  if (resources) container.resources = resources;
  return container;
}

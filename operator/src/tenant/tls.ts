import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { hashOf } from '../kube/hash.ts';
import type { StepFailure } from './conditions/degraded.ts';
import { REASON } from './conditions/reasons.ts';

export type TlsCheck = { ok: true; certificateHash: string } | { ok: false; failure: StepFailure };

/**
 * Checks a TLS Secret before the relay mounts it: it must exist and hold a parseable PEM
 * certificate (tls.crt) and private key (tls.key). A relay given a broken one would crash-loop.
 */
export function checkTlsSecret(
  secret: V1Secret | undefined,
  namespace: string,
  name: string,
): TlsCheck {
  const where = `Secret ${namespace}/${name}`;
  if (!secret) {
    const message = `${where} does not exist; create it (type kubernetes.io/tls) or remove spec.relay.tlsSecretRef`;
    return { ok: false, failure: { reason: REASON.tlsSecretNotFound, message } };
  }
  const crt = decode(secret.data?.['tls.crt']);
  const key = decode(secret.data?.['tls.key']);
  const missing = [crt ? undefined : 'tls.crt', key ? undefined : 'tls.key'].filter(Boolean);
  if (missing.length > 0 || !crt || !key) {
    const message = `${where} lacks ${missing.join(' and ')}`;
    return { ok: false, failure: { reason: REASON.tlsSecretInvalid, message } };
  }
  try {
    new X509Certificate(crt);
    createPrivateKey(key);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const message = `${where} does not hold a PEM certificate and key: ${detail}`;
    return { ok: false, failure: { reason: REASON.tlsSecretInvalid, message } };
  }
  return { ok: true, certificateHash: hashOf(crt.toString('base64')) };
}

function decode(base64: string | undefined): Buffer | undefined {
  if (!base64) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  return bytes.length > 0 ? bytes : undefined;
}

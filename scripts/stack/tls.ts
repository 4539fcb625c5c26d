import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** File names used when a certificate is written into a directory. */
export const CERTIFICATE_FILES = { key: 'key.pem', cert: 'cert.pem' } as const;

/** Default validity of a generated certificate, in days. */
export const DEFAULT_CERTIFICATE_DAYS = 30;

/** A private key and its certificate, both PEM-encoded. */
export interface SelfSignedCertificate {
  /** Unencrypted PKCS#8 private key. */
  readonly key: string;
  readonly cert: string;
}

export interface SelfSignedCertificateOptions {
  /** Subject common name, also the first subject alternative name, e.g. `mx.recipient.test`. */
  readonly commonName: string;
  /** Further DNS names or IP addresses the certificate is valid for; IPs are detected. */
  readonly altNames?: readonly string[];
  /**
   * When given, the directory (created if missing) receives `key.pem` (mode 0600) and `cert.pem`,
   * see `CERTIFICATE_FILES`.
   */
  readonly dir?: string;
  /** Validity from one hour ago, in days. Default `DEFAULT_CERTIFICATE_DAYS`. */
  readonly days?: number;
}

/** Generating or writing a certificate failed. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

/**
 * Creates a self-signed RSA-2048/SHA-256 server certificate for local runs and tests. Peers that
 * verify certificates will reject it: it is only good for opportunistic TLS.
 */
export async function createSelfSignedCertificate(
  options: SelfSignedCertificateOptions,
): Promise<SelfSignedCertificate> {
  const certificate = await generateCertificate(options);
  if (options.dir !== undefined) await writeCertificate(options.dir, certificate);
  return certificate;
}

async function generateCertificate(
  options: SelfSignedCertificateOptions,
): Promise<SelfSignedCertificate> {
  const names = [options.commonName, ...(options.altNames ?? [])];
  // Backdated by an hour so that a peer whose clock is slightly behind still accepts it.
  const notBeforeDate = new Date(Date.now() - 3_600_000);
  const days = options.days ?? DEFAULT_CERTIFICATE_DAYS;
  const notAfterDate = new Date(notBeforeDate.getTime() + days * 86_400_000);
  try {
    const pems = await generate([{ name: 'commonName', value: options.commonName }], {
      keyType: 'rsa',
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map(toAltName) },
      ],
    });
    return { key: pems.private, cert: pems.cert };
  } catch (error) {
    throw new CertificateError(`cannot generate a certificate for ${options.commonName}`, {
      cause: error,
    });
  }
}

function toAltName(name: string): { type: 2; value: string } | { type: 7; ip: string } {
  return isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name };
}

async function writeCertificate(dir: string, certificate: SelfSignedCertificate): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const keyFile = join(dir, CERTIFICATE_FILES.key);
    await writeFile(keyFile, certificate.key, { mode: 0o600 });
    // The mode above applies only when the file is created.
    await chmod(keyFile, 0o600);
    await writeFile(join(dir, CERTIFICATE_FILES.cert), certificate.cert, { mode: 0o644 });
  } catch (error) {
    throw new CertificateError(`cannot write the certificate into ${dir}`, { cause: error });
  }
}

import { readFile } from 'node:fs/promises';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  key: string;
  cert: string;
}

/**
 * The submission certificate: the configured PEM files, or, for local runs only, a self-signed
 * certificate for `hostName` made at start (mail clients will ask the user to trust it).
 */
export async function loadTls(options: {
  keyFile?: string | undefined;
  certFile?: string | undefined;
  selfSignedFor: string;
}): Promise<TlsMaterial> {
  if (options.keyFile && options.certFile) {
    const [key, cert] = await Promise.all([
      readFile(options.keyFile, 'utf8'),
      readFile(options.certFile, 'utf8'),
    ]);
    return { key, cert };
  }
  const pems = await generate([{ name: 'commonName', value: options.selfSignedFor }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: options.selfSignedFor }] }],
  });
  return { key: pems.private, cert: pems.cert };
}

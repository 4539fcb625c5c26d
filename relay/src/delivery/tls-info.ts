import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsInfo } from '#shared';

/**
 * What the TLS handshake of a connection gave. The relay connects with rejectUnauthorized off
 * (opportunistic TLS, RFC 7435), so Node still checks the chain and the host name and reports
 * the result in `authorized` / `authorizationError` without refusing the connection.
 */
export function describeTlsSocket(socket: TLSSocket): TlsInfo {
  const cert: Partial<PeerCertificate> = socket.getPeerCertificate();
  const authError: unknown = socket.authorizationError;
  return {
    version: socket.getProtocol(),
    cipher: socket.getCipher()?.standardName ?? null,
    verified: socket.authorized,
    verifyError: socket.authorized ? null : authError ? describeAuthError(authError) : null,
    peerSubject: formatName(cert.subject),
    peerIssuer: formatName(cert.issuer),
    fingerprint256: cert.fingerprint256 ?? null,
  };
}

/** The TLS record of a handshake that failed: nothing was negotiated, nothing verified. */
export function failedTls(message: string): TlsInfo {
  return {
    version: null,
    cipher: null,
    verified: false,
    verifyError: message,
    peerSubject: null,
    peerIssuer: null,
    fingerprint256: null,
  };
}

// Node sets authorizationError to an OpenSSL code string, though its type says Error.
function describeAuthError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A distinguished name as `CN=mx.example.net, O=Example`; repeated attributes joined by '+'. */
function formatName(name: object | undefined): string | null {
  if (!name) return null;
  const parts = Object.entries(name).map(([key, value]: [string, unknown]) => {
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    return `${key}=${values.join('+')}`;
  });
  return parts.length > 0 ? parts.join(', ') : null;
}

/** Credentials from an HTTP Basic `Authorization` header (RFC 7617). */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

const BASIC = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i;

/**
 * Reads `Authorization: Basic base64(username:password)`, UTF-8 (RFC 7617 section 2.1). The
 * username ends at the first colon; the password may contain colons. Undefined when the header
 * is absent or not Basic.
 */
export function parseBasicAuth(header: string | null): BasicCredentials | undefined {
  const encoded = header === null ? undefined : BASIC.exec(header)?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

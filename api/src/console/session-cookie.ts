/**
 * The console's session cookie. The console never sees the session token: signIn sets it as an
 * HttpOnly cookie, and a request that carries the cookie but no Authorization header is
 * authenticated as if it sent `Authorization: Bearer <cookie>`. Bearer tokens and HTTP Basic
 * keep working for API clients, and win when both are sent.
 */

/** Name of the cookie that holds a signIn session token. */
export const SESSION_COOKIE = 'zajoni_session';

/**
 * Header the console sends with every GraphQL request. A cross-origin page cannot add it
 * without a CORS preflight, which the API never grants, so a request carrying it comes from a
 * page of this origin (see csrf.ts).
 */
export const CONSOLE_HEADER = 'x-zajoni-console';

/** The value of one cookie in a `Cookie` header, or undefined. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session token in the request's cookie, when it carries one and no Authorization. */
export function cookieSession(request: Request): string | undefined {
  if (request.headers.get('authorization') !== null) return undefined;
  const token = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
  return token === undefined || token === '' ? undefined : token;
}

/**
 * The request to identify the caller from: the same one, or a copy of its headers with the
 * cookie's session as a Bearer token. Only the headers are read from it.
 */
export function withCookieCredentials(request: Request): Request {
  const token = cookieSession(request);
  if (token === undefined) return request;
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(request.url, { headers });
}

/**
 * `Set-Cookie` for a session: HttpOnly (no script reads it), SameSite=Strict (no other site's
 * page sends it), Secure when the console is served over HTTPS, and gone when the session
 * expires. `token` empty and `maxAgeSeconds` 0 clear it.
 */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Whether the client reached us over HTTPS (directly or, per X-Forwarded-Proto, via a proxy). */
export function isHttps(request: Request): boolean {
  const forwarded = request.headers.get('x-forwarded-proto');
  return new URL(request.url).protocol === 'https:' || forwarded?.split(',')[0] === 'https';
}

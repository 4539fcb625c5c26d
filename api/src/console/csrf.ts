import { CONSOLE_HEADER, cookieSession } from './session-cookie.ts';

/** Why a cookie-authenticated request was refused; undefined when it may go on. */
export type CsrfRefusal = 'missing-console-header' | 'cross-origin';

/**
 * The cross-site request forgery check for requests authenticated by the session cookie (those
 * with a Bearer token or Basic credentials are not: a browser never adds those on its own).
 *
 * - Every non-GET request needs the CONSOLE_HEADER: a form or a "simple" cross-origin fetch
 *   cannot send it, and a fetch that adds it needs a CORS preflight, which this API refuses.
 * - An `Origin` header must be this server's origin, and `Sec-Fetch-Site`, when sent, must say
 *   same-origin: a same-site page on another port also gets a SameSite=Strict cookie.
 * - GET (queries and the delivery-events stream, which EventSource opens without custom headers)
 *   is let through without the header: yoga runs no mutation over GET, and another origin
 *   cannot read the answer.
 */
export function checkCsrf(request: Request): CsrfRefusal | undefined {
  if (cookieSession(request) === undefined) return undefined;
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== new URL(request.url).origin) return 'cross-origin';
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') return 'cross-origin';
  const safe = request.method === 'GET' || request.method === 'HEAD';
  if (!safe && request.headers.get(CONSOLE_HEADER) === null) return 'missing-console-header';
  return undefined;
}

import type { Plugin } from 'graphql-yoga';
import type { Logger } from '#shared';
import { checkCsrf } from './csrf.ts';
import { CONSOLE_HEADER } from './session-cookie.ts';
import { findStaticFile } from './static-files.ts';

/** `extensions.code` of a cookie-authenticated request refused as a possible forgery. */
export const CSRF_CODE = 'CSRF_REFUSED';

/** Set-Cookie headers a resolver asked for, per request (see cookieJar). */
const pending = new WeakMap<Request, string[]>();

/** Asks for a `Set-Cookie` header on the response to `request`. */
export function setCookieOn(request: Request, cookie: string): void {
  const list = pending.get(request) ?? [];
  list.push(cookie);
  pending.set(request, list);
}

export interface ConsolePluginOptions {
  /** The built console (index.html and assets/). */
  readonly dir: string;
  /** Paths yoga itself answers (GraphQL, health); never served from `dir`. */
  readonly apiPaths: readonly string[];
  readonly log: Logger;
}

/**
 * Serves the web console next to GraphQL: the CSRF check of cookie-authenticated GraphQL
 * requests, the built files with their security headers, and the session cookies resolvers set.
 */
export function useConsole(options: ConsolePluginOptions): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (options.apiPaths.includes(url.pathname)) {
        const refusal = checkCsrf(request);
        if (refusal === undefined) return;
        options.log.warn({ refusal, origin: request.headers.get('origin') }, 'csrf refused');
        const message = 'cookie-authenticated requests must come from the console itself';
        const body = JSON.stringify({ errors: [{ message, extensions: { code: CSRF_CODE } }] });
        const headers = { 'content-type': 'application/json; charset=utf-8' };
        endResponse(new fetchAPI.Response(body, { status: 403, headers }));
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const file = await findStaticFile(options.dir, url.pathname);
      if (!file) return;
      const body = request.method === 'HEAD' ? null : file.body;
      endResponse(new fetchAPI.Response(body, { status: 200, headers: file.headers }));
    },
    onResponse({ request, response }) {
      // A Basic challenge makes browsers prompt for a password; the console has its own form.
      if (request.headers.get(CONSOLE_HEADER) !== null) response.headers.delete('www-authenticate');
      for (const cookie of pending.get(request) ?? []) {
        response.headers.append('set-cookie', cookie);
      }
    },
  };
}

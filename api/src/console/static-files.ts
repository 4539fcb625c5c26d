import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/**
 * The Content-Security-Policy of every console response: only this origin's own scripts,
 * styles, images and connections; no inline script or style attribute, no framing, no plugins.
 * The console is built with no third-party resource, so nothing else is needed.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every console file. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  // Reset links carry their token in the URL: never send it on to another site.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** A file to send: its bytes and headers. */
export interface StaticFile {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly headers: Record<string, string>;
}

/**
 * The file of the built console for a URL path, or undefined when the path is not the
 * console's. `/assets/…` are Vite's content-hashed files (cached for a year, immutable); any
 * other path without a file extension is a page of the single-page app and gets index.html,
 * revalidated on every load so a new build is picked up.
 */
export async function findStaticFile(
  dir: string,
  pathname: string,
): Promise<StaticFile | undefined> {
  const relative = safeRelativePath(pathname);
  if (relative === undefined) return undefined;
  const file = relative === '' ? undefined : await readIfFile(join(dir, relative));
  if (file) {
    const immutable = relative.startsWith(`assets${sep}`);
    return serve(file, extname(relative), immutable);
  }
  if (extname(relative) !== '') return undefined;
  const index = await readIfFile(join(dir, 'index.html'));
  return index ? serve(index, '.html', false) : undefined;
}

function serve(body: Uint8Array<ArrayBuffer>, extension: string, immutable: boolean): StaticFile {
  return {
    body,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    },
  };
}

/** The path below the console folder, or undefined when it would leave it. */
function safeRelativePath(pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = normalize(decoded).replace(/^[/\\]+/, '');
  if (relative === '..' || relative.startsWith(`..${sep}`)) return undefined;
  return relative;
}

async function readIfFile(path: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return await readFile(path);
  } catch {
    return undefined;
  }
}

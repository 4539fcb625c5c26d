import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthServer {
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * /metrics (Prometheus), /healthz (the process answers) and /readyz (`ready()`: caches synced,
 * or standing by for the Lease).
 */
export async function startHealthServer(options: {
  port: number;
  registry: Registry;
  ready: () => boolean;
}): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': options.registry.contentType });
          response.end(text);
        },
        () => {
          response.writeHead(500);
          response.end();
        },
      );
      return;
    }
    if (path === '/healthz') return reply(response, 200, 'ok');
    if (path === '/readyz') {
      return options.ready() ? reply(response, 200, 'ok') : reply(response, 503, 'not ready');
    }
    reply(response, 404, 'not found');
  });
  await new Promise<void>((resolve) => server.listen(options.port, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function reply(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(`${text}\n`);
}

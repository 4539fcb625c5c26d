import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Path the metrics are served at, in Prometheus' text format. */
export const METRICS_PATH = '/metrics';

export interface MetricsServer {
  /** The bound port (useful when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP listener that serves `registry` at METRICS_PATH and 404 elsewhere. It is its own
 * listener, apart from any port the service answers clients on, so it can stay inside the
 * cluster while the service is public.
 */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== METRICS_PATH) {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await listen(server, host, port);
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

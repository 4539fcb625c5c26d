import type { Plugin } from 'graphql-yoga';
import { METRICS_PATH } from '#shared';
import { apiRegistry } from '../telemetry/index.ts';

/**
 * Serves the API's Prometheus metrics at METRICS_PATH, on the API's own port (like /healthz).
 * They name tenants and counts, never users or messages.
 */
export function useMetricsEndpoint(): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (request.method !== 'GET' || url.pathname !== METRICS_PATH) return;
      const text = await apiRegistry.metrics();
      const headers = { 'content-type': apiRegistry.contentType };
      endResponse(new fetchAPI.Response(text, { status: 200, headers }));
    },
  };
}

import type { Pool } from 'pg';
import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import type { Logger } from '#shared';

/** Readiness endpoint: 200 `ok` when PostgreSQL answers, 503 `unavailable` otherwise. */
export const HEALTH_PATH = '/healthz';

/** Serves HEALTH_PATH. The failure's detail goes to the log, never to the unauthenticated caller. */
export function useHealthEndpoint(db: Pool, log: Logger): Plugin {
  return useReadinessCheck({
    endpoint: HEALTH_PATH,
    async check({ fetchAPI }) {
      const text = (body: string, status: number) =>
        new fetchAPI.Response(body, { status, headers: { 'content-type': 'text/plain' } });
      try {
        await db.query('SELECT 1');
        return text('ok', 200);
      } catch (error) {
        log.warn({ err: error }, 'health check: database unavailable');
        return text('unavailable', 503);
      }
    },
  });
}

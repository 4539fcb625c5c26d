import { envPositiveInt } from '#shared';

const DAY_MS = 24 * 3_600_000;

/**
 * The message-log settings of the API (part of apiConfigSchema):
 * - `MESSAGE_LIFETIME_MS` (default 5 days): how long the relay retries a deferred message; one
 *   still deferred after it is reported EXPIRED. Keep it equal to the relay's setting.
 * - `QUOTA_DAILY_LIMIT` (default 50) and `QUOTA_WINDOW_MS` (default 24 hours): the relay's
 *   `DAILY_LIMIT` and `QUOTA_WINDOW_MS`, used to read its quota bucket; keep them equal.
 * - `RETENTION_INTERVAL_MS` (default 1 hour): pause between two runs of the retention job.
 * - `RETENTION_BATCH_SIZE` (default 500): messages deleted per retention transaction.
 */
export const messageSettingsShape = {
  MESSAGE_LIFETIME_MS: envPositiveInt(5 * DAY_MS),
  QUOTA_DAILY_LIMIT: envPositiveInt(50),
  QUOTA_WINDOW_MS: envPositiveInt(DAY_MS),
  RETENTION_INTERVAL_MS: envPositiveInt(3_600_000),
  RETENTION_BATCH_SIZE: envPositiveInt(500),
};

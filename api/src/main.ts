// First: tracing must be set up before the modules it instruments load (see register.ts).
import { telemetry } from './telemetry/register.ts';
import { ConfigError, createLogger } from '#shared';
import { startApi } from './api.ts';
import { parseApiConfig, type ApiConfig } from './config.ts';

/** The settings, or undefined after reporting every bad variable. */
function loadConfig(): ApiConfig | undefined {
  try {
    return parseApiConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // LOG_LEVEL itself may be the bad variable: report at a fixed level.
    createLogger('zajoni-api', 'info').fatal({ problems: error.problems }, 'invalid configuration');
    return undefined;
  }
}

/** Runs the API until SIGTERM or SIGINT; a second signal exits at once. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config) {
    process.exitCode = 2;
    return;
  }
  const log = createLogger('zajoni-api', config.LOG_LEVEL);

  const api = await startApi(config, log).catch((error: unknown) => {
    log.fatal({ err: error }, 'cannot start');
    process.exitCode = 1;
  });
  if (!api) return;

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal; exiting without cleanup');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    api.stop().then(
      async () => {
        log.info('api stopped');
        // Exports the spans still buffered before the process ends.
        await telemetry.shutdown().catch(() => undefined);
      },
      (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

await main();

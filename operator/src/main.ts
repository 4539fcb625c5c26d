import { KubeConfig } from '@kubernetes/client-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ConfigError, createLogger } from '#shared';
import { loadOperatorConfig, type OperatorConfig } from './config.ts';
import { createMetrics } from './health/metrics.ts';
import { startHealthServer } from './health/server.ts';
import { createOperator } from './operator.ts';
import { createNatsCleanup } from './registry/nats-cleanup.ts';
import { createGraphqlTenantRegistry } from './registry/tenant-registry.ts';

async function main() {
  const { config, kc } = readConfig();
  const log = createLogger('operator', config.LOG_LEVEL);
  const metrics = createMetrics({ defaultMetrics: true });

  let nats: NatsConnection | undefined;
  // Connected on first use: only a Tenant deletion needs NATS, and the operator should start
  // (and report) even while NATS is down.
  const jsm = async (): Promise<JetStreamManager> => {
    nats ??= await connect({
      servers: (config.NATS_URL ?? config.RELAY_NATS_URL).split(','),
      name: `zajoni-operator-${config.POD_NAME}`,
    });
    return jetstreamManager(nats);
  };

  const operator = createOperator({
    kc,
    settings: config,
    registry: createGraphqlTenantRegistry({ url: config.API_URL, token: config.API_TOKEN }),
    cleanupNats: createNatsCleanup(jsm),
    metrics,
    log,
  });
  const health = await startHealthServer({
    port: config.HTTP_PORT,
    registry: metrics.registry,
    ready: operator.isReady,
  });
  await operator.start();
  log.info({ port: health.port }, 'operator started');

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    // Releasing the Lease lets the standby take over at once instead of after it expires.
    await operator.stop();
    await nats?.drain();
    await health.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * KUBECONFIG when set, the Pod's service account otherwise. Outside a cluster without
 * KUBECONFIG this fails: there is no fallback to a local API server.
 */
function loadKubeConfig(config: OperatorConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.KUBECONFIG) {
    kc.loadFromFile(config.KUBECONFIG);
    return kc;
  }
  if (!process.env.KUBERNETES_SERVICE_HOST) {
    throw new ConfigError(['KUBECONFIG: unset, and not running in a cluster']);
  }
  kc.loadFromCluster();
  return kc;
}

function readConfig(): { config: OperatorConfig; kc: KubeConfig } {
  try {
    const config = loadOperatorConfig();
    return { config, kc: loadKubeConfig(config) };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`operator: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

await main();

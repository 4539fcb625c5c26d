// First: tracing must be set up before the modules it instruments load (see register.ts).
import { telemetry } from './telemetry/register.ts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import {
  AUTH_VERIFY_SUBJECT,
  authReplySchema,
  BODY_BUCKET,
  ConfigError,
  createLogger,
  DONE_BUCKET,
  ensureQueueStream,
  ensureTranscriptStream,
  monotonicUlids,
  QUOTA_BUCKET,
  SMALL_BODY_BUCKET,
  startMetricsServer,
  type AuthReply,
  type AuthRequest,
  type Logger,
} from '#shared';
import { loadRelayConfig, type RelayConfig } from './config.ts';
import { buildConfirmation, buildFailureNotice } from './confirmation/index.ts';
import {
  createConnectionPool,
  createMtaStsPolicies,
  createMxResolver,
  deliverToDomain,
} from './delivery/index.ts';
import { createLivePolicy, type LivePolicy, type RelayLimits } from './policy/index.ts';
import { createDeliveryWorker, createQueueStore, smallBodyLimit } from './queue/index.ts';
import { createQuota } from './quota/index.ts';
import { createSubmissionService, loadTls } from './submission/index.ts';
import {
  createRelayMetrics,
  readQueueDepth,
  tagQueueId,
  traceDomainDelivery,
  traceQueueStore,
  traceQuota,
  traceResolver,
  traceSubmission,
} from './telemetry/index.ts';

/**
 * How long a round's result is kept beyond the message lifetime, in ms: results recognise a
 * redelivered round and give the failure notice every earlier round's transcripts.
 */
const RESULT_TTL_MARGIN_MS = 24 * 3_600_000;

async function main() {
  let stopping = false;
  const config = readConfig();
  const log = createLogger('relay').child({ tenant: config.TENANT });
  // Reconnect for as long as it takes: while NATS is away submissions get 451 4.3.0 (the queue
  // cannot store them) and deliveries wait; both resume by themselves when it is back.
  const nc = await connect({
    servers: config.NATS_URL.split(','),
    name: `relay-${config.TENANT}`,
    maxReconnectAttempts: -1,
    // Every request would otherwise build two Error objects with stack traces up front, in
    // case it fails: a tenth of the relay's CPU under load. Errors still name what failed.
    noAsyncTraces: true,
  });
  void nc.closed().then((error) => {
    // Only drain() at shutdown closes the connection on purpose; anything else leaves a relay
    // that can neither queue nor deliver, so it exits for its supervisor to start it again.
    if (stopping) return;
    log.fatal({ err: error }, 'NATS connection closed');
    process.exit(1);
  });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);

  // Streams and buckets are created idempotently, so any replica may start first.
  await ensureQueueStream(jsm);
  await ensureTranscriptStream(jsm);
  const kvm = new Kvm(nc);
  const quotaKv = await kvm.create(QUOTA_BUCKET, { history: 1 });
  const resultTtl = config.MESSAGE_LIFETIME_MS + RESULT_TTL_MARGIN_MS;
  const results = await kvm.create(DONE_BUCKET, { history: 1, ttl: resultTtl });
  const store = traceQueueStore(
    createQueueStore(js, {
      objects: await new Objm(nc).create(BODY_BUCKET),
      // Kept as long as a result: a body outlives its entry only when a crash orphaned it.
      small: await kvm.create(SMALL_BODY_BUCKET, { history: 1, ttl: resultTtl }),
      smallMaxOctets: smallBodyLimit(nc.info?.max_payload),
    }),
  );
  const metrics = createRelayMetrics(config.TENANT, () => readQueueDepth(jsm, config.TENANT));

  const resolver = traceResolver(createMxResolver({ servers: config.dnsServers }));
  const policies = createMtaStsPolicies({ servers: config.dnsServers, log });
  // LIMITATION: the pool's limits (2 idle per server, 20 messages, 5 s) are not settings yet.
  const pool = createConnectionPool({ log });
  const reportingMta = config.RELAY_HOSTNAME;
  const from = config.CONFIRMATION_FROM ?? `postmaster@${config.RELAY_HOSTNAME}`;
  const worker = createDeliveryWorker({
    js,
    jsm,
    tenant: config.TENANT,
    store,
    results,
    deliver: (job) =>
      traceDomainDelivery(job, metrics, () =>
        deliverToDomain(job, {
          resolver,
          policies,
          allowPrivateAddresses: config.DELIVERY_ALLOW_PRIVATE_ADDRESSES,
          pool,
          port: config.DELIVERY_PORT,
          heloName: config.RELAY_HOSTNAME,
          timeouts: {
            connectMs: config.SMTP_CONNECT_TIMEOUT_MS,
            greetingMs: config.SMTP_GREETING_TIMEOUT_MS,
            mailMs: config.SMTP_MAIL_TIMEOUT_MS,
            rcptMs: config.SMTP_RCPT_TIMEOUT_MS,
            dataInitMs: config.SMTP_DATA_INIT_TIMEOUT_MS,
            dataBlockMs: config.SMTP_DATA_BLOCK_TIMEOUT_MS,
            endOfDataMs: config.SMTP_END_OF_DATA_TIMEOUT_MS,
          },
          log: log.child({ queueId: job.entry.queueId, domain: job.domain }),
        }),
      ),
    buildConfirmation: (input) => buildConfirmation({ ...input, reportingMta, from }),
    buildFailureNotice: (input) => buildFailureNotice({ ...input, reportingMta, from }),
    concurrency: config.DELIVERY_CONCURRENCY,
    ackWaitMs: config.DELIVERY_ACK_WAIT_MS,
    lifetimeMs: config.MESSAGE_LIFETIME_MS,
    delayNoticeAfterMs: config.DELAY_NOTICE_AFTER_MS,
    backoff: { minMs: config.RETRY_MIN_BACKOFF_MS, maxMs: config.RETRY_MAX_BACKOFF_MS },
    log,
  });

  const tls = await loadTls({
    keyFile: config.TLS_KEY_FILE,
    certFile: config.TLS_CERT_FILE,
    selfSignedFor: config.RELAY_HOSTNAME,
  });
  const newQueueId = monotonicUlids();
  // A new maximum size applies to the servers created below; the others are read per use.
  const policy = await loadPolicy(config, log, (limits) =>
    submission.setMaxMessageSize(limits.maxMessageSize),
  );
  const submission = createSubmissionService(
    {
      host: config.SUBMISSION_HOST,
      port: config.SUBMISSION_PORT,
      tlsPort: config.SUBMISSIONS_PORT,
      tls,
      maxMessageSize: policy.current().maxMessageSize,
      allowInsecureAuth: config.RELAY_ALLOW_INSECURE_AUTH,
      instrumentHooks: (hooks) => traceSubmission(hooks, config.TENANT, metrics),
    },
    {
      tenant: config.TENANT,
      relayHostName: config.RELAY_HOSTNAME,
      // Read at each RCPT TO, so a policy change applies to sessions already open.
      get maxRecipients() {
        return policy.current().maxRecipients;
      },
      verifyCredentials: (username, password, remoteAddress) =>
        verifyCredentials(nc, config, {
          tenant: config.TENANT,
          username,
          password,
          remoteAddress,
        }),
      quota: traceQuota(
        createQuota(quotaKv, () => ({
          limit: policy.current().dailyLimit,
          windowMs: config.QUOTA_WINDOW_MS,
        })),
        metrics,
      ),
      queue: store,
      newQueueId: () => tagQueueId(newQueueId()),
      log,
    },
  );

  await worker.start();
  await submission.listen();
  const metricsServer =
    config.METRICS_PORT === undefined
      ? null
      : await startMetricsServer(metrics.registry, config.METRICS_HOST, config.METRICS_PORT);
  const exporting = telemetry.exporting;
  log.info({ ports: submission.ports, metricsPort: metricsServer?.port, exporting }, 'relay ready');

  const shutdown = async (signal: string) => {
    stopping = true;
    log.info({ signal }, 'shutting down');
    await submission.close();
    policy.close();
    await worker.stop();
    await metricsServer?.close();
    await pool.close();
    await nc.drain();
    // Exports the spans still buffered; the process exits right after.
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** The limits: live from RELAY_POLICY_FILE when set, else fixed from the environment. */
async function loadPolicy(
  config: RelayConfig,
  log: Logger,
  onChange: (limits: RelayLimits) => void,
): Promise<LivePolicy> {
  const fallback: RelayLimits = {
    dailyLimit: config.DAILY_LIMIT,
    maxRecipients: config.MAX_RECIPIENTS,
    maxMessageSize: config.MAX_MESSAGE_SIZE,
  };
  if (!config.RELAY_POLICY_FILE) return { current: () => fallback, close: () => undefined };
  return createLivePolicy({ file: config.RELAY_POLICY_FILE, fallback, log, onChange });
}

async function verifyCredentials(
  nc: Awaited<ReturnType<typeof connect>>,
  config: RelayConfig,
  request: AuthRequest,
): Promise<AuthReply> {
  const reply = await nc.request(AUTH_VERIFY_SUBJECT, JSON.stringify(request), {
    timeout: config.AUTH_TIMEOUT_MS,
  });
  return authReplySchema.parse(reply.json());
}

function readConfig(): RelayConfig {
  try {
    return loadRelayConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`relay: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

await main();

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { monotonicFactory } from 'ulid';
import {
  AUTH_VERIFY_SUBJECT,
  authReplySchema,
  BODY_BUCKET,
  ConfigError,
  createLogger,
  DONE_BUCKET,
  ensureQueueStream,
  ensureTranscriptStream,
  QUOTA_BUCKET,
  type AuthReply,
  type AuthRequest,
  type Logger,
} from '#shared';
import { loadRelayConfig, type RelayConfig } from './config.ts';
import { buildConfirmation, buildFailureNotice } from './confirmation/index.ts';
import { createMxResolver, deliverToDomain } from './delivery/index.ts';
import { createLivePolicy, type LivePolicy, type RelayLimits } from './policy/index.ts';
import { createDeliveryWorker, createQueueStore } from './queue/index.ts';
import { createQuota } from './quota/index.ts';
import { createSubmissionService, loadTls } from './submission/index.ts';

/** How long a round's result is kept to recognise a redelivered round, in ms. */
const RESULT_TTL_MS = 2 * 24 * 3_600_000;

async function main() {
  const config = readConfig();
  const log = createLogger('relay').child({ tenant: config.TENANT });
  const nc = await connect({ servers: config.NATS_URL.split(','), name: `relay-${config.TENANT}` });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);

  // Streams and buckets are created idempotently, so any replica may start first.
  await ensureQueueStream(jsm);
  await ensureTranscriptStream(jsm);
  const kvm = new Kvm(nc);
  const quotaKv = await kvm.create(QUOTA_BUCKET, { history: 1 });
  const results = await kvm.create(DONE_BUCKET, { history: 1, ttl: RESULT_TTL_MS });
  const bodies = await new Objm(nc).create(BODY_BUCKET);
  const store = createQueueStore(js, bodies);

  const resolver = createMxResolver({ servers: config.dnsServers });
  const reportingMta = config.RELAY_HOSTNAME;
  const from = config.CONFIRMATION_FROM ?? `postmaster@${config.RELAY_HOSTNAME}`;
  const worker = createDeliveryWorker({
    js,
    jsm,
    tenant: config.TENANT,
    store,
    results,
    deliver: (job) =>
      deliverToDomain(job, {
        resolver,
        port: config.DELIVERY_PORT,
        heloName: config.RELAY_HOSTNAME,
        log: log.child({ queueId: job.entry.queueId, domain: job.domain }),
      }),
    buildConfirmation: (input) => buildConfirmation({ ...input, reportingMta, from }),
    buildFailureNotice: (input) => buildFailureNotice({ ...input, reportingMta, from }),
    concurrency: config.DELIVERY_CONCURRENCY,
    ackWaitMs: config.DELIVERY_ACK_WAIT_MS,
    lifetimeMs: config.MESSAGE_LIFETIME_MS,
    log,
  });

  const tls = await loadTls({
    keyFile: config.TLS_KEY_FILE,
    certFile: config.TLS_CERT_FILE,
    selfSignedFor: config.RELAY_HOSTNAME,
  });
  const newQueueId = monotonicFactory();
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
    },
    {
      tenant: config.TENANT,
      relayHostName: config.RELAY_HOSTNAME,
      // Read at each RCPT TO, so a policy change applies to sessions already open.
      get maxRecipients() {
        return policy.current().maxRecipients;
      },
      verifyCredentials: (username, password) =>
        verifyCredentials(nc, config, { tenant: config.TENANT, username, password }),
      quota: createQuota(quotaKv, () => ({
        limit: policy.current().dailyLimit,
        windowMs: config.QUOTA_WINDOW_MS,
      })),
      queue: store,
      newQueueId: () => newQueueId(),
      log,
    },
  );

  await worker.start();
  await submission.listen();
  log.info({ ports: submission.ports }, 'relay ready');

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await submission.close();
    policy.close();
    await worker.stop();
    await nc.drain();
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

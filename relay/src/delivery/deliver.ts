import {
  newUlid,
  TRANSCRIPT_SCHEMA_VERSION,
  type Logger,
  type MessageInfo,
  type QueuedMessage,
  type TlsPolicy,
  type Transcript,
} from '#shared';
import { parseRemoteQueueId } from '../transcript/index.ts';
import { internalAddressKind } from './address-filter.ts';
import type { ConnectionPool } from './connection-pool.ts';
import { DeliveryJobError } from './errors.ts';
import { mxMatchesPolicy, type TlsPolicySource } from './mta-sts.ts';
import type { MxHost, MxResolution, MxResolver } from './mx.ts';
import { acceptedFinalReply, decideRecipients, summarizeOutcome } from './outcome.ts';
import {
  DEFAULT_SESSION_TIMEOUTS,
  runSession,
  type SessionResult,
  type SessionTarget,
  type SessionTimeouts,
} from './session.ts';

/** Most connections one attempt opens (addresses tried, cleartext retries included). */
export const DEFAULT_MAX_CONNECTIONS = 10;

/** One recipient domain's share of a queue entry. */
export interface DeliveryJob {
  entry: QueuedMessage;
  /** The recipient domain, as in the addresses (U-labels allowed). */
  domain: string;
  /** The entry's recipients at this domain; at least one. */
  recipients: string[];
  /** The message as queued; sent as is apart from line endings and dot-stuffing. */
  body: Buffer;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /**
   * An earlier run of this attempt reached the end of data and its outcome was never saved: the
   * transcripts say that the server may already hold a copy.
   */
  possibleDuplicate?: boolean;
  /** Awaited before each final dot; when it throws, the dot is not sent. */
  beforeEndOfData?: () => Promise<void>;
}

export interface DeliveryOptions {
  resolver: MxResolver;
  /** Port of the recipients' servers: 25, another only in tests and local runs. */
  port: number;
  /** Name sent with EHLO; the relay's host name. */
  heloName: string;
  /** Timeouts in ms; each defaults to DEFAULT_SESSION_TIMEOUTS' (RFC 5321 section 4.5.3.2). */
  timeouts?: Partial<SessionTimeouts>;
  /**
   * CA certificates (PEM) trusted besides the system's when verifying a server's certificate;
   * for a private PKI and for tests. Verification is recorded, not required (RFC 7435).
   */
  trustedCa?: readonly string[];
  /** Most connections per attempt; default DEFAULT_MAX_CONNECTIONS. */
  maxConnections?: number;
  /** Where recipient domains' TLS policies come from (MTA-STS); none applies when absent. */
  policies?: TlsPolicySource;
  /**
   * Deliver to loopback, private, link-local, unspecified and multicast addresses too; default
   * false, so that an MX record cannot make the relay reach its own network. Local runs only.
   */
  allowPrivateAddresses?: boolean;
  /** Keeps connections open between messages to the same server; each opens its own if absent. */
  pool?: ConnectionPool;
  log: Logger;
}

/** What one attempt carries from the job and the domain's policy into each connection. */
interface AttemptContext {
  job: DeliveryJob;
  policy: TlsPolicy | null;
  options: DeliveryOptions;
  log: Logger;
}

/**
 * Delivers a message to one domain's recipients: finds the domain's mail servers, then tries
 * their addresses in order until one holds an SMTP transaction (RFC 5321 section 5.1). Returns
 * one transcript per connection, in order; the last one decides each recipient. When no
 * connection was possible (DNS failure, null MX) it returns one transcript without steps. Throws
 * DeliveryJobError only for a malformed job.
 */
export async function deliverToDomain(
  job: DeliveryJob,
  options: DeliveryOptions,
): Promise<Transcript[]> {
  checkJob(job);
  const log = options.log.child({ domain: job.domain, attempt: job.attempt });
  const startedAt = new Date();

  const policy = (await options.policies?.lookup(job.domain)) ?? null;
  const context = { job, policy, options, log };

  const resolution = await options.resolver.resolve(job.domain);
  if (resolution.kind !== 'resolved') {
    log.warn({ status: resolution.status, reason: resolution.reason }, 'no mail server to try');
    return [unresolvedTranscript(context, resolution, startedAt)];
  }

  // RFC 8461 section 4.1: under an enforced policy only the MX hosts it names may be used.
  const hosts = allowedHosts(resolution.hosts, policy);
  if (hosts.length === 0) {
    log.warn({ policy }, 'no MX host matches the MTA-STS policy');
    return [policyRefusal(context, resolution.hosts, startedAt)];
  }

  // A relay must not be a way into its own network: internal addresses are never connected to.
  const reachable = options.allowPrivateAddresses ? hosts : publicAddressesOnly(hosts);
  if (reachable.length === 0) {
    log.warn({ hosts }, 'MX hosts resolve only to internal addresses');
    return [internalOnlyRefusal(context, hosts, startedAt)];
  }

  const transcripts = await deliverToHosts(context, reachable);
  const last = transcripts.at(-1);
  log.info({ outcome: last?.outcome, connections: transcripts.length }, 'delivery attempt done');
  return transcripts;
}

async function deliverToHosts(
  context: AttemptContext,
  hosts: readonly MxHost[],
): Promise<Transcript[]> {
  const { options, log } = context;
  const limit = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const enforced = context.policy?.mode === 'enforce';
  const transcripts: Transcript[] = [];
  const connect = async (target: SessionTarget, startTls: boolean) => {
    const notes = connectionNotes(context, target, transcripts.length === 0);
    const session = await runSession(sessionRequest(context, target, startTls, notes));
    transcripts.push(toTranscript(context, transcripts.length, target, session));
    return session;
  };

  for (const target of listTargets(hosts, options.port)) {
    if (transcripts.length >= limit) break;
    let session = await connect(target, true);

    // RFC 7435 section 3: a failed handshake falls back to cleartext, on a new connection;
    // RFC 8461 section 4.2: never under an enforced policy, where the next MX is tried instead.
    if (session.stage === 'tls-failed' && !enforced && transcripts.length < limit) {
      log.warn({ host: target.host, ip: target.ip, error: session.error }, 'TLS failed, retrying');
      session = await connect(target, false);
    }
    if (session.stage === 'transacted') break;
    log.warn({ host: target.host, ip: target.ip, error: session.error }, 'server unreachable');
  }
  return transcripts;
}

/** The hosts with their internal addresses removed, and hosts left without any dropped. */
function publicAddressesOnly(hosts: readonly MxHost[]): MxHost[] {
  return hosts
    .map((h) => ({ ...h, addresses: h.addresses.filter((ip) => !internalAddressKind(ip)) }))
    .filter((h) => h.addresses.length > 0);
}

/** Every address of every host, hosts in MX order (RFC 5321 section 5.1). */
function listTargets(hosts: readonly MxHost[], port: number): SessionTarget[] {
  return hosts.flatMap((h) =>
    h.addresses.map((ip) => ({ host: h.host, ip, port, preference: h.preference })),
  );
}

/** The MX hosts a policy allows: all of them, unless it is enforced (RFC 8461 section 4.1). */
function allowedHosts(hosts: readonly MxHost[], policy: TlsPolicy | null): MxHost[] {
  if (policy?.mode !== 'enforce') return [...hosts];
  return hosts.filter((h) => mxMatchesPolicy(h.host, policy));
}

/** What a connection's transcript says before it connects: the policy, a possible duplicate. */
function connectionNotes(context: AttemptContext, target: SessionTarget, first: boolean) {
  const { policy, job } = context;
  const notes: string[] = [];
  if (first && job.possibleDuplicate) {
    notes.push(
      `possible duplicate: an earlier run of attempt ${job.attempt} sent the message to its end ` +
        'of data and its outcome is unknown, so a server may already hold a copy',
    );
  }
  if (policy?.mode === 'enforce') {
    notes.push(
      `MTA-STS policy ${policy.id} (enforce): STARTTLS with a certificate valid for ` +
        `${target.host} is required; no cleartext`,
    );
  }
  if (policy?.mode === 'testing') {
    notes.push(`MTA-STS policy ${policy.id} (testing): failures are noted, not enforced`);
    if (!mxMatchesPolicy(target.host, policy)) {
      notes.push(
        `MTA-STS testing: enforce mode would refuse ${target.host}: not among the policy's MX ` +
          `hosts (${policy.mx.join(', ')})`,
      );
    }
  }
  return notes;
}

function sessionRequest(
  context: AttemptContext,
  target: SessionTarget,
  startTls: boolean,
  notes: string[],
) {
  const { job, options, log, policy } = context;
  return {
    target,
    startTls,
    heloName: options.heloName,
    sender: job.entry.sender,
    recipients: job.recipients,
    body: job.body,
    eightBit: job.entry.body === '8bitmime',
    trustedCa: options.trustedCa ?? [],
    beforeEndOfData: job.beforeEndOfData ?? null,
    pool: options.pool ?? null,
    tlsRequirement: policy?.mode === 'enforce' ? ('verified' as const) : ('opportunistic' as const),
    auditTls: policy?.mode === 'testing',
    notes,
    timeouts: { ...DEFAULT_SESSION_TIMEOUTS, ...options.timeouts },
    log: log.child({ host: target.host, ip: target.ip }),
  };
}

function toTranscript(
  context: AttemptContext,
  hostIndex: number,
  target: SessionTarget,
  session: SessionResult,
): Transcript {
  const { job } = context;
  const recipients = decideRecipients({
    recipients: job.recipients,
    stage: session.stage,
    steps: session.steps,
    sent: session.sent,
    refused: session.refused,
    error: session.error,
    server: `${target.host} [${target.ip}]`,
  });
  // RFC 2920 section 3.1: a 250 to the empty message sent when no RCPT was accepted accepts
  // nothing, so only a transaction with a delivered recipient has a final reply.
  const delivered = recipients.some((r) => r.status === 'delivered');
  const finalReply = delivered ? acceptedFinalReply(session.steps) : null;
  return {
    ...recordHeader(context, hostIndex, session.startedAt, session.endedAt),
    mx: { host: target.host, ip: target.ip, port: target.port, preference: target.preference },
    tls: session.tls,
    steps: session.steps,
    recipients,
    outcome: summarizeOutcome(recipients),
    finalReply,
    remoteQueueId: finalReply ? parseRemoteQueueId(finalReply) : null,
    error: session.error,
  };
}

function unresolvedTranscript(
  context: AttemptContext,
  failure: Exclude<MxResolution, { kind: 'resolved' }>,
  startedAt: Date,
): Transcript {
  const { job, options } = context;
  const status = failure.kind === 'permanent' ? 'bounced' : 'deferred';
  const reason = `${failure.status} ${failure.reason}`;
  const host = failure.host;
  const port = options.port;
  return {
    ...recordHeader(context, 0, startedAt, new Date()),
    mx: host ? { host: host.host, ip: null, port, preference: host.preference } : null,
    tls: null,
    steps: [],
    recipients: job.recipients.map((address) => ({
      address,
      status,
      reply: null,
      reason,
      remoteQueueId: null,
    })),
    outcome: status,
    finalReply: null,
    remoteQueueId: null,
    error: reason,
  };
}

/**
 * An enforced policy names none of the domain's MX hosts: a temporary failure (RFC 8461 section
 * 4.2: the policy or the MX records may be fixed before the message expires).
 */
function policyRefusal(
  context: AttemptContext,
  hosts: readonly MxHost[],
  startedAt: Date,
): Transcript {
  const names = hosts.map((h) => h.host).join(', ');
  const mx = context.policy?.mx.join(', ') ?? '';
  const reason = `4.7.5 MTA-STS policy allows ${mx}; no MX host matches (${names})`;
  return {
    ...recordHeader(context, 0, startedAt, new Date()),
    mx: null,
    tls: null,
    steps: [],
    recipients: context.job.recipients.map((address) => ({
      address,
      status: 'deferred',
      reply: null,
      reason,
      remoteQueueId: null,
    })),
    outcome: 'deferred',
    finalReply: null,
    remoteQueueId: null,
    error: reason,
  };
}

/**
 * Every address of every MX host is internal: a permanent failure (RFC 3463 X.4.4, unable to
 * route), since the relay will not connect there however often it tries.
 */
function internalOnlyRefusal(
  context: AttemptContext,
  hosts: readonly MxHost[],
  startedAt: Date,
): Transcript {
  const listed = hosts
    .map(
      (h) =>
        `${h.host} [${h.addresses.map((ip) => `${ip} ${internalAddressKind(ip)}`).join(', ')}]`,
    )
    .join('; ');
  const reason = `5.4.4 the mail servers of ${context.job.domain} have only internal addresses, which the relay does not deliver to: ${listed}`;
  return {
    ...recordHeader(context, 0, startedAt, new Date()),
    mx: null,
    tls: null,
    steps: [],
    recipients: context.job.recipients.map((address) => ({
      address,
      status: 'bounced',
      reply: null,
      reason,
      remoteQueueId: null,
    })),
    outcome: 'bounced',
    finalReply: null,
    remoteQueueId: null,
    error: reason,
  };
}

/** The fields every transcript of a job has, whatever happened on the connection. */
type RecordHeader = Pick<
  Transcript,
  'schema' | 'attemptId' | 'tenant' | 'queueId' | 'message' | 'domain' | 'attempt' | 'hostIndex'
> &
  Pick<Transcript, 'startedAt' | 'endedAt' | 'policy' | 'possibleDuplicate'>;

function recordHeader(
  context: AttemptContext,
  hostIndex: number,
  startedAt: Date,
  endedAt: Date,
): RecordHeader {
  const { job } = context;
  return {
    schema: TRANSCRIPT_SCHEMA_VERSION,
    attemptId: newUlid(),
    tenant: job.entry.tenant,
    queueId: job.entry.queueId,
    message: messageInfo(job.entry),
    domain: job.domain,
    attempt: job.attempt,
    hostIndex,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    policy: context.policy,
    possibleDuplicate: job.possibleDuplicate ?? false,
  };
}

/** The message as the transcript describes it, from its queue entry. */
export function messageInfo(entry: QueuedMessage): MessageInfo {
  return {
    sender: entry.sender,
    authUser: entry.authUser,
    messageId: entry.messageId,
    subject: entry.subject,
    size: entry.size,
    sha256: entry.sha256,
    submittedAt: entry.submittedAt,
    recipients: [...entry.recipients],
  };
}

function checkJob(job: DeliveryJob) {
  if (job.recipients.length === 0) {
    throw new DeliveryJobError(`no recipients for ${job.domain} in ${job.entry.queueId}`);
  }
  if (!Number.isInteger(job.attempt) || job.attempt < 1) {
    throw new DeliveryJobError(`attempt must be a positive integer, got ${job.attempt}`);
  }
}

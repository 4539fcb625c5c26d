import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Logger } from '#shared';
import { statusOf } from './client.ts';

export interface LeaderElectionOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  /** This replica's name in the Lease (its Pod name). */
  identity: string;
  /** How long a Lease holds without renewal; a standby takes over after it, in ms. */
  leaseDurationMs: number;
  /** How often the holder renews and a standby retries, in ms. */
  renewMs: number;
  log: Logger;
  /** Called once this replica holds the Lease. */
  onStartedLeading(): void;
  /**
   * Called when a held Lease could not be renewed before it expired. The replica must stop
   * acting at once: another one may already lead.
   */
  onStoppedLeading(): void;
}

export interface LeaderElector {
  /** Starts campaigning; resolves at once. */
  start(): void;
  isLeader(): boolean;
  /** Stops campaigning and, when leading, gives the Lease up so a standby takes over at once. */
  stop(): Promise<void>;
}

/**
 * Leader election over a coordination.k8s.io/v1 Lease, the way client-go does it: writes use
 * the Lease's resourceVersion, so of two replicas racing for it exactly one succeeds; expiry is
 * judged by this replica's clock from when it last saw the record change, never by comparing
 * clocks across nodes.
 */
export function createLeaderElector(options: LeaderElectionOptions): LeaderElector {
  const api = options.kc.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity, log } = options;
  const durationSeconds = Math.max(1, Math.ceil(options.leaseDurationMs / 1000));
  let leading = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastRenewed = 0;
  let observed: { record: string; at: number } | undefined;

  async function tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const lease = await read();
    if (!lease) {
      await api.createNamespacedLease({ namespace, body: leaseBody(now, 0, now) });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    // client-node 2.0 leaves MicroTime fields as strings when reading; either form names the
    // same record.
    const renewed: unknown = spec.renewTime;
    const renewedAt = renewed instanceof Date ? renewed.toISOString() : String(renewed);
    noteRecord(`${holder}@${renewedAt}`, now.getTime());
    const mine = holder === identity;
    if (!mine && holder !== '' && !expired(now.getTime())) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const acquired = mine && spec.acquireTime ? new Date(spec.acquireTime) : now;
    const body = leaseBody(now, transitions, acquired);
    body.metadata = { ...body.metadata, resourceVersion: lease.metadata?.resourceVersion ?? '' };
    await api.replaceNamespacedLease({ namespace, name, body });
    return true;
  }

  function noteRecord(record: string, at: number) {
    if (observed?.record !== record) observed = { record, at };
  }

  function expired(now: number): boolean {
    return observed !== undefined && observed.at + options.leaseDurationMs < now;
  }

  async function read(): Promise<V1Lease | undefined> {
    try {
      return await api.readNamespacedLease({ namespace, name });
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  function leaseBody(now: Date, transitions: number, acquired: Date): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: new V1MicroTime(acquired.getTime()),
        renewTime: new V1MicroTime(now.getTime()),
        leaseTransitions: transitions,
      },
    };
  }

  async function tick() {
    let held: boolean;
    try {
      held = await tryAcquireOrRenew();
      if (held) lastRenewed = Date.now();
    } catch (error) {
      // A 409 means another replica wrote first; anything else is an API failure. Either way
      // this round is lost; a leader keeps acting until its own Lease would have expired.
      if (statusOf(error) !== 409) log.warn({ err: error }, 'cannot renew lease');
      // It stops one renew period early: a standby may take over once the duration has passed.
      held = leading && Date.now() - lastRenewed < options.leaseDurationMs - options.renewMs;
    }
    if (stopped) return;
    if (held && !leading) {
      leading = true;
      log.info({ lease: `${namespace}/${name}`, identity }, 'became leader');
      options.onStartedLeading();
    } else if (!held && leading) {
      leading = false;
      log.warn({ lease: `${namespace}/${name}`, identity }, 'lost leadership');
      options.onStoppedLeading();
    }
    timer = setTimeout(() => void tick(), options.renewMs);
  }

  return {
    start() {
      stopped = false;
      void tick();
    },
    isLeader: () => leading,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (!leading) return;
      leading = false;
      await release().catch((error: unknown) => log.warn({ err: error }, 'cannot release lease'));
    },
  };

  async function release() {
    const lease = await read();
    if (lease?.spec?.holderIdentity !== identity) return;
    const body: V1Lease = {
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 },
    };
    await api.replaceNamespacedLease({ namespace, name, body });
  }
}

import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { Logger } from '#shared';
import { parseQuotaPolicySpec, parseTenantSpec } from '../api/parse.ts';
import { TENANTS, type EffectiveQuota, type Tenant, type TenantSpec } from '../api/types.ts';
import { KubeRequestError, NatsCleanupError, RegistryError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { done, doNotRetry, requeueAfter, retry, type ReconcileOutcome } from '../kube/outcome.ts';
import type { Informers } from '../kube/resources.ts';
import type { TenantStateCleanup } from '../registry/nats-cleanup.ts';
import type { TenantRegistry } from '../registry/tenant-registry.ts';
import type { StepFailure } from './conditions/degraded.ts';
import { REASON, type Reason } from './conditions/reasons.ts';
import { createApplier } from './apply.ts';
import { desiredObjects, RELAY_NAME, tenantNamespace, type DesiredInput } from './desired/index.ts';
import type { EventRecorder } from './events.ts';
import { createRegistration, registrationOf } from './registration.ts';
import { createStatusWriter } from './status-writer.ts';
import { checkTlsSecret } from './tls.ts';

/** Holds a deleted Tenant until its API registration and NATS state are gone. */
export const TENANT_FINALIZER = 'zajoni.io/cleanup';

/** How often a deleted Tenant's relay is looked at while it stops, in ms. */
const RELAY_GONE_RECHECK_MS = 10_000;

/** Settings the Tenant controller takes from the operator's configuration. */
export interface TenantSettings {
  namespacePrefix: string;
  relayImage: string;
  relayNatsUrl: string;
}

export interface TenantReconcilerDeps {
  informers: Informers;
  kube: KubeClient;
  registry: TenantRegistry;
  cleanupNats: TenantStateCleanup;
  events: EventRecorder;
  settings: TenantSettings;
  log: Logger;
  /** Counts each write request, by kind and verb. */
  onWrite(kind: string, verb: string): void;
  now?(): Date;
}

/** Per-run facts the status is written from. */
interface View {
  tenant: Tenant;
  namespace: string;
  paused: boolean;
  quota?: EffectiveQuota;
}

/**
 * Reconciles one Tenant from the informer caches: its namespace, relay objects, registration
 * with the API and status. Level-triggered: it looks at the whole state every time, so a
 * missed event costs nothing but delay.
 */
export function createTenantReconciler(deps: TenantReconcilerDeps) {
  const { informers, kube, settings } = deps;
  const applier = createApplier(deps);
  const registration = createRegistration(deps.registry);
  const statusWriter = createStatusWriter(deps);
  /** Uids of Tenants this process put the finalizer on. */
  const finalized = new Set<string>();

  async function reconcileTenant(name: string): Promise<ReconcileOutcome> {
    const tenant = informers.tenants.get(name);
    // Not in the cache: deleted and finalized; the garbage collector removes the rest.
    if (!tenant) return done();

    // Being deleted: release what lives outside Kubernetes, then the finalizer.
    if (tenant.metadata?.deletionTimestamp) return finalizeTenant(tenant);

    // The finalizer goes on before any state outside Kubernetes is made.
    await ensureFinalizer(tenant);

    const namespace = tenantNamespace(settings.namespacePrefix, name);
    const view: View = { tenant, namespace, paused: false };
    const parsed = parseTenantSpec(tenant.spec);
    if (!parsed.ok) {
      const failure = fail(REASON.invalidSpec, parsed.problems.join('; '));
      return finish(view, failure, doNotRetry('invalid spec'));
    }

    view.paused = parsed.value.paused;
    return reconcileRelay(view, parsed.value);
  }

  /** The tenant's registration and relay objects, in the order they depend on each other. */
  async function reconcileRelay(view: View, spec: TenantSpec): Promise<ReconcileOutcome> {
    const quota = resolveQuota(spec);
    if (!quota) {
      const message = `QuotaPolicy ${spec.quotaPolicyRef.name} does not exist`;
      return finish(view, fail(REASON.quotaPolicyNotFound, message), retry('no QuotaPolicy'));
    }

    const registered = await attempt(REASON.registrationFailed, () =>
      registration.ensure(registrationOf(nameOf(view.tenant), spec)),
    );
    if (registered) return finish(view, registered, retry('registration failed'));

    // The namespace first: the TLS Secret lives in it, and everything else goes into it.
    const input = desiredInput(view, spec, quota);
    const namespaced = desiredObjects(input).filter((o) => o.kind === 'Namespace');
    const madeNamespace = await attempt(REASON.applyFailed, () => applier.ensure(namespaced));
    if (madeNamespace) return finish(view, madeNamespace, retry('apply failed'));

    // A relay given a missing or broken certificate would crash-loop; wait for a usable one.
    const tls = await checkTls(view.namespace, spec);
    if (!tls.ok) return finish(view, tls.failure, retry('TLS Secret not usable'));
    if (tls.tls) input.tls = tls.tls;

    const applied = await attempt(REASON.applyFailed, () => applier.ensure(desiredObjects(input)));
    if (applied) return finish(view, applied, retry('apply failed'));

    // Only now is the quota in the relay's ConfigMap; until then the status keeps the old one.
    view.quota = quota;
    return finish(view, undefined, done());
  }

  function desiredInput(view: View, spec: TenantSpec, quota: EffectiveQuota): DesiredInput {
    const { tenant } = view;
    const metadata = { ...tenant.metadata, name: nameOf(tenant), uid: uidOf(tenant) };
    return {
      tenant: { ...tenant, spec, metadata },
      namespace: view.namespace,
      quota,
      image: settings.relayImage,
      natsUrl: settings.relayNatsUrl,
    };
  }

  async function checkTls(
    namespace: string,
    spec: TenantSpec,
  ): Promise<{ ok: true; tls?: DesiredInput['tls'] } | { ok: false; failure: StepFailure }> {
    const secretName = spec.relay.tlsSecretRef?.name;
    // Without a Secret the relay makes its own certificate (documented as for trials only).
    if (!secretName) return { ok: true };
    const secret = await kube.readSecret(namespace, secretName);
    const check = checkTlsSecret(secret, namespace, secretName);
    if (!check.ok) return check;
    return { ok: true, tls: { secretName, certificateHash: check.certificateHash } };
  }

  function resolveQuota(spec: TenantSpec): EffectiveQuota | undefined {
    const policy = informers.quotaPolicies.get(spec.quotaPolicyRef.name);
    if (!policy) return undefined;
    const parsed = parseQuotaPolicySpec(policy.spec);
    // The CRD schema refuses a bad policy; one stored before a schema change counts as absent.
    return parsed.ok ? { policy: spec.quotaPolicyRef.name, ...parsed.value } : undefined;
  }

  async function ensureFinalizer(tenant: Tenant): Promise<void> {
    const finalizers = tenant.metadata?.finalizers ?? [];
    const uid = uidOf(tenant);
    // Added already, and the watch has not yet brought the Tenant back with it.
    if (finalizers.includes(TENANT_FINALIZER) || finalized.has(uid)) return;
    await setFinalizers(tenant, [...finalizers, TENANT_FINALIZER]);
    finalized.add(uid);
  }

  async function finalizeTenant(tenant: Tenant): Promise<ReconcileOutcome> {
    const name = nameOf(tenant);
    const finalizers = tenant.metadata?.finalizers ?? [];
    if (!finalizers.includes(TENANT_FINALIZER)) return done();

    // The relay goes first: one still running would queue new mail after the purge below.
    const namespace = tenantNamespace(settings.namespacePrefix, name);
    const relay = informers.deployments.get(RELAY_NAME, namespace);
    if (relay) {
      if (!relay.metadata?.deletionTimestamp) await deleteRelay(namespace);
      // Its deletion event runs this again; the requeue is a safety net.
      return requeueAfter(RELAY_GONE_RECHECK_MS, 'waiting for the relay to stop');
    }

    const failure =
      (await attempt(REASON.cleanupFailed, () => registration.remove(name))) ??
      (await attempt(REASON.cleanupFailed, () => deps.cleanupNats(name)));
    if (failure) {
      await deps.events.warning(tenant, failure.reason, failure.message);
      return retry(failure.message);
    }

    await setFinalizers(
      tenant,
      finalizers.filter((f) => f !== TENANT_FINALIZER),
    );
    deps.log.info({ tenant: name }, 'tenant cleaned up');
    return done();
  }

  async function deleteRelay(namespace: string): Promise<void> {
    const metadata = { name: RELAY_NAME, namespace };
    await kube.deleteForeground({ apiVersion: 'apps/v1', kind: 'Deployment', metadata });
    deps.onWrite('Deployment', 'delete');
  }

  async function setFinalizers(tenant: Tenant, finalizers: string[]): Promise<void> {
    const name = tenant.metadata?.name ?? '';
    const resourceVersion = tenant.metadata?.resourceVersion ?? '';
    await kube.setFinalizers(TENANTS, name, finalizers, resourceVersion);
    deps.onWrite('Tenant', 'finalizer');
  }

  /** Writes the status from the live relay objects and returns the run's outcome. */
  async function finish(
    view: View,
    failure: StepFailure | undefined,
    outcome: ReconcileOutcome,
  ): Promise<ReconcileOutcome> {
    await statusWriter.write({
      ...view,
      deployment: informers.deployments.get(RELAY_NAME, view.namespace) as V1Deployment | undefined,
      service: informers.services.get(RELAY_NAME, view.namespace) as V1Service | undefined,
      failure,
    });
    return outcome;
  }

  return {
    reconcile: reconcileTenant,
    /** Drops what this process remembers about a deleted Tenant. */
    forget(tenant: Tenant): void {
      finalized.delete(uidOf(tenant));
      registration.forget(nameOf(tenant));
      statusWriter.forget(uidOf(tenant));
    },
  };
}

function fail(reason: Reason, message: string): StepFailure {
  return { reason, message };
}

/**
 * Runs a step whose failure is reported on the Tenant (API refusals, the API server rejecting
 * an object). Anything else propagates, and the work queue retries with backoff.
 */
async function attempt(reason: Reason, step: () => Promise<unknown>) {
  try {
    await step();
    return undefined;
  } catch (error) {
    const reported =
      error instanceof KubeRequestError ||
      error instanceof RegistryError ||
      error instanceof NatsCleanupError;
    if (!reported) throw error;
    return fail(reason, error.message);
  }
}

function nameOf(tenant: Tenant): string {
  return tenant.metadata?.name ?? '';
}

function uidOf(tenant: Tenant): string {
  return tenant.metadata?.uid ?? '';
}

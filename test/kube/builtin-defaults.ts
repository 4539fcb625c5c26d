import { randomInt } from 'node:crypto';
import { isJsonObject, type JsonObject, type KubeObject } from './types.ts';

/**
 * The defaults the real server's defaulting functions fill in for the built-ins an operator
 * writes, so a test sees the same live objects a cluster would return (and an operator that
 * compares desired with live specs meets the same differences).
 */
function objectAt(parent: JsonObject, key: string): JsonObject {
  const found = parent[key];
  if (isJsonObject(found)) return found;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function listAt(parent: JsonObject, key: string): JsonObject[] {
  const found = parent[key];
  return Array.isArray(found) ? found.filter(isJsonObject) : [];
}

function defaultPorts(ports: JsonObject[]): void {
  for (const port of ports) port['protocol'] ??= 'TCP';
}

function defaultContainer(container: JsonObject): void {
  const image = typeof container['image'] === 'string' ? container['image'] : '';
  const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
  container['imagePullPolicy'] ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
  container['terminationMessagePath'] ??= '/dev/termination-log';
  container['terminationMessagePolicy'] ??= 'File';
  container['resources'] ??= {};
  defaultPorts(listAt(container, 'ports'));
}

/** Pod template defaults (apps/v1 SetDefaults_PodSpec and friends). */
function defaultPodTemplate(template: JsonObject): void {
  const spec = objectAt(template, 'spec');
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['securityContext'] ??= {};
  spec['schedulerName'] ??= 'default-scheduler';
  for (const container of [...listAt(spec, 'containers'), ...listAt(spec, 'initContainers')]) {
    defaultContainer(container);
  }
}

function defaultDeployment(object: KubeObject): void {
  const spec = objectAt(object, 'spec');
  spec['replicas'] ??= 1;
  spec['revisionHistoryLimit'] ??= 10;
  spec['progressDeadlineSeconds'] ??= 600;
  const strategy = objectAt(spec, 'strategy');
  strategy['type'] ??= 'RollingUpdate';
  if (strategy['type'] === 'RollingUpdate') {
    const rolling = objectAt(strategy, 'rollingUpdate');
    rolling['maxUnavailable'] ??= '25%';
    rolling['maxSurge'] ??= '25%';
  }
  defaultPodTemplate(objectAt(spec, 'template'));
}

function clusterIp(): string {
  return `10.96.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

function defaultService(object: KubeObject, old: KubeObject | undefined): void {
  const spec = objectAt(object, 'spec');
  const oldSpec = isJsonObject(old?.['spec']) ? old['spec'] : {};
  spec['type'] ??= 'ClusterIP';
  spec['sessionAffinity'] ??= 'None';
  spec['internalTrafficPolicy'] ??= 'Cluster';
  spec['ipFamilies'] ??= ['IPv4'];
  spec['ipFamilyPolicy'] ??= 'SingleStack';
  if (spec['type'] === 'LoadBalancer' || spec['type'] === 'NodePort') {
    spec['externalTrafficPolicy'] ??= 'Cluster';
  }
  // An update without clusterIP keeps the allocated one (the registry's patchAllocatedValues).
  const allocated = oldSpec['clusterIP'] ?? (spec['clusterIP'] === 'None' ? 'None' : clusterIp());
  spec['clusterIP'] ??= allocated;
  spec['clusterIPs'] ??= [spec['clusterIP']];
  for (const port of listAt(spec, 'ports')) {
    port['protocol'] ??= 'TCP';
    port['targetPort'] ??= port['port'];
  }
}

/** Fills in the real defaults of Deployments, Services, Secrets and NetworkPolicies. */
export function applyBuiltinDefaults(
  group: string,
  plural: string,
  object: KubeObject,
  old: KubeObject | undefined,
): void {
  if (group === 'apps' && plural === 'deployments') defaultDeployment(object);
  if (group === '' && plural === 'services') defaultService(object, old);
  if (group === '' && plural === 'secrets') object['type'] ??= 'Opaque';
  if (group === 'networking.k8s.io' && plural === 'networkpolicies') {
    const spec = objectAt(object, 'spec');
    spec['policyTypes'] ??= spec['egress'] === undefined ? ['Ingress'] : ['Ingress', 'Egress'];
  }
}

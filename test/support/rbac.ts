import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { RequestRecord } from '../kube/index.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Rules of operator/rbac.yaml, cluster-wide and (for the Lease) namespaced alike. */
export async function loadOperatorRules(): Promise<Rule[]> {
  const text = await readFile('operator/rbac.yaml', 'utf8');
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as { kind: string; rules?: Rule[] })
    .filter((doc) => doc.kind === 'ClusterRole' || doc.kind === 'Role')
    .flatMap((doc) => doc.rules ?? []);
}

/**
 * The operator's requests among `records` that no rule allows, as "verb group/resource".
 * `isOperator` tells the operator's requests from the test's own (both use client-node).
 */
export function deniedRequests(
  rules: Rule[],
  records: readonly RequestRecord[],
  isOperator: (record: RequestRecord) => boolean,
): string[] {
  const denied = new Set<string>();
  for (const record of records) {
    if (!record.resource || record.verb === 'discovery' || !isOperator(record)) continue;
    const resource = record.subresource
      ? `${record.resource}/${record.subresource}`
      : record.resource;
    const group = record.group ?? '';
    const allowed = rules.some(
      (rule) =>
        rule.apiGroups.includes(group) &&
        rule.resources.includes(resource) &&
        rule.verbs.includes(record.verb),
    );
    if (!allowed) denied.add(`${record.verb} ${group}/${resource}`);
  }
  return [...denied].sort();
}

import type { Admission } from './admission.ts';
import { applyBuiltinDefaults } from './builtin-defaults.ts';
import { builtinCauses } from './builtin-validation.ts';
import { admitCrd, CRD_CLEANUP_FINALIZER } from './crd.ts';
import { invalid } from './errors.ts';
import { isJsonObject } from './types.ts';

/**
 * What the real server's strategies do to built-ins on write: defaults (Deployments, Services,
 * Secrets, NetworkPolicies) and the validation rules in builtin-validation.ts; a new namespace
 * gets its `kubernetes` finalizer, phase Active and name label; a CRD is checked, defaulted and
 * gets the cleanup finalizer.
 */
export const admitBuiltins: Admission = (type, _version, object, old) => {
  if (type.custom) return object;
  applyBuiltinDefaults(type.group, type.plural, object, old);
  const causes = builtinCauses(type.group, type.plural, object, old);
  if (causes.length > 0) {
    const target = { group: type.group, plural: type.plural, name: object.metadata.name ?? '' };
    throw invalid(target, type.kind, causes);
  }
  if (type.group === '' && type.plural === 'namespaces') {
    const name = object.metadata.name ?? '';
    object.metadata.labels = { ...object.metadata.labels, 'kubernetes.io/metadata.name': name };
    if (!old) {
      object['spec'] = { finalizers: ['kubernetes'] };
      object['status'] = { phase: 'Active' };
    }
    return object;
  }
  if (type.group === 'apiextensions.k8s.io' && type.plural === 'customresourcedefinitions') {
    const admitted = admitCrd(object);
    if (!old) admitted.metadata.finalizers = [CRD_CLEANUP_FINALIZER];
    if (old && !isJsonObject(admitted['status'])) delete admitted['status'];
    return admitted;
  }
  return object;
};

import type { Admission } from './admission.ts';
import { checkCelRules } from './cel-rules.ts';
import { badRequest, invalid } from './errors.ts';
import { walk, type SchemaReport } from './schema-validation.ts';

/**
 * Validates custom resources against their CRD version's structural schema, the way the real
 * server orders it: prune unknown fields and apply defaults, then check types and value
 * constraints, then (only if those pass) the CEL rules. Failures are one 422 Invalid with a
 * cause per field. Unknown fields are an error with `fieldValidation=Strict` (kubectl's
 * default), a warning otherwise.
 */
export const admitCustomResources: Admission = (type, version, object, old, options) => {
  const schema = type.custom?.versions.find((v) => v.name === version)?.schema;
  if (!schema) return object;
  const report: SchemaReport = { causes: [], pruned: [] };
  const causes = walk(schema, object, '', report, true, true);
  const target = { group: type.group, plural: type.plural, name: object.metadata.name ?? '' };
  if (report.pruned.length > 0) {
    const unknown = report.pruned.map((path) => `unknown field "${path}"`);
    if (options.fieldValidation === 'Strict') {
      throw badRequest(`strict decoding error: ${unknown.join(', ')}`);
    }
    if (options.fieldValidation !== 'Ignore') options.warnings.push(...unknown);
  }
  if (causes.length > 0) throw invalid(target, type.kind, causes);
  const ruleCauses = checkCelRules(schema, object, old);
  if (ruleCauses.length > 0) throw invalid(target, type.kind, ruleCauses);
  return object;
};

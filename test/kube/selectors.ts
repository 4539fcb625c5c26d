import { badRequest } from './errors.ts';
import { isJsonObject, type KubeObject } from './types.ts';

/** A parsed label or field selector: true when the object matches. */
export type Selector = (object: KubeObject) => boolean;

type Requirement = (value: string | undefined) => boolean;

/** Splits on commas that are not inside `in (a,b)` parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim()) terms.push(current.trim());
  return terms;
}

function parseLabelTerm(term: string): { key: string; test: Requirement } {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = new Set(set[3]!.split(',').map((value) => value.trim()));
    const inSet = set[2] === 'in';
    return {
      key: set[1]!,
      test: (value) =>
        inSet ? value !== undefined && values.has(value) : !values.has(value ?? ''),
    };
  }
  const equality = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s,]*)$/.exec(term);
  if (equality) {
    const expected = equality[3]!;
    const negated = equality[2] === '!=';
    return { key: equality[1]!, test: (value) => (value === expected) !== negated };
  }
  const exists = /^(!?)([^\s!=()]+)$/.exec(term);
  if (exists) {
    const negated = exists[1] === '!';
    return { key: exists[2]!, test: (value) => (value !== undefined) !== negated };
  }
  throw badRequest(`unable to parse requirement: ${term}`);
}

/** Parses a `labelSelector` query value: equality, inequality, set and existence terms. */
export function parseLabelSelector(text: string | undefined): Selector {
  if (!text) return () => true;
  const terms = splitTerms(text).map(parseLabelTerm);
  return (object) => terms.every(({ key, test }) => test(object.metadata.labels?.[key]));
}

function fieldValue(object: KubeObject, path: string): string | undefined {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (!isJsonObject(current)) return undefined;
    current = current[part];
  }
  if (current === undefined || current === null) return undefined;
  return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

/**
 * LIMITATION: any field path is accepted, where the real server allows a few per kind and
 * answers 400 for others; a test can select on a field a cluster would refuse.
 *
 * Parses a `fieldSelector`: `path=value`, `path==value` and `path!=value` terms on any
 * dotted field path. A missing field compares as the empty string, as the real server does.
 */
export function parseFieldSelector(text: string | undefined): Selector {
  if (!text) return () => true;
  const terms = splitTerms(text).map((term) => {
    const match = /^([^\s!=]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) throw badRequest(`invalid field selector: ${term}`);
    return { path: match[1]!, negated: match[2] === '!=', expected: match[3]! };
  });
  return (object) =>
    terms.every(
      ({ path, negated, expected }) => ((fieldValue(object, path) ?? '') === expected) !== negated,
    );
}

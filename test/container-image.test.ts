import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, matchesGlob, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from './support/helm.ts';

// No Docker engine here: these checks read the Dockerfile and the sources the image would hold.

const ENTRY_POINTS = {
  api: 'api/src/main.ts',
  relay: 'relay/src/main.ts',
  operator: 'operator/src/main.ts',
} as const;

/**
 * The command of each target: the relay and the API load their tracing set-up first, so its
 * ESM hooks see pino, http and pg load (trace ids in log lines, HTTP server spans).
 */
const COMMANDS: Record<keyof typeof ENTRY_POINTS, string[]> = {
  api: ['node', '--import', './api/src/telemetry/register.ts', ENTRY_POINTS.api],
  relay: ['node', '--import', './relay/src/telemetry/register.ts', ENTRY_POINTS.relay],
  operator: ['node', ENTRY_POINTS.operator],
};

/** Final stages and the command each runs. */
async function readTargets(): Promise<Map<string, string[]>> {
  const text = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
  const targets = new Map<string, string[]>();
  let stage = '';
  for (const line of text.split('\n')) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) stage = from[1]!;
    const cmd = /^CMD\s+(\[.*\])\s*$/.exec(line);
    if (cmd) targets.set(stage, JSON.parse(cmd[1]!) as string[]);
  }
  return targets;
}

/**
 * Whether the build context keeps a path, by .dockerignore's rules: the last matching pattern
 * wins, "!" re-includes, and a pattern matching a parent folder matches everything inside.
 */
async function createContextFilter(): Promise<(path: string) => boolean> {
  const text = await readFile(join(ROOT, '.dockerignore'), 'utf8');
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ include: l.startsWith('!'), pattern: l.replace(/^!/, '') }));
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let kept = true;
    for (const rule of rules) {
      if (prefixes.some((p) => matchesGlob(p, rule.pattern))) kept = rule.include;
    }
    return kept;
  };
}

/** Module specifiers a file loads at run time: type-only imports and exports are erased. */
function runtimeImports(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2024, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every repository file and package an entry point loads, following relative and # imports. */
async function importGraph(entry: string): Promise<{ files: Set<string>; packages: Set<string> }> {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    imports: Record<string, string>;
  };
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  for (let file = pending.pop(); file; file = pending.pop()) {
    const path = relative(ROOT, file);
    if (files.has(path)) continue;
    files.add(path);
    for (const specifier of runtimeImports(file, await readFile(file, 'utf8'))) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
      else if (specifier.startsWith('#')) pending.push(resolve(ROOT, manifest.imports[specifier]!));
      else packages.add(specifier);
    }
  }
  return { files, packages };
}

const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('Dockerfile', () => {
  it('builds on node:24-slim, installs production dependencies only, runs as a non-root user', async () => {
    const text = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(text, /^ARG NODE_IMAGE=node:24-slim$/m);
    assert.match(text, /^RUN npm ci --omit=dev\b/m);
    assert.match(text, /^USER [1-9][0-9]*:[1-9][0-9]*$/m, 'numeric, so runAsNonRoot can check it');
    assert.doesNotMatch(text, /\btsx\b.*main/, 'Node strips the types itself');
  });

  it('has a target per service whose command runs that service, with every file in the context', async () => {
    const targets = await readTargets();
    const keep = await createContextFilter();
    for (const [target, entry] of Object.entries(ENTRY_POINTS)) {
      assert.deepEqual(targets.get(target), COMMANDS[target as keyof typeof COMMANDS], target);
      if (target === 'operator' && !existsSync(join(ROOT, 'operator'))) continue;
      assert.ok(existsSync(join(ROOT, entry)), `${entry} exists`);
      const graph = await importGraph(entry);
      for (const file of graph.files) {
        assert.ok(keep(file), `${target} loads ${file}, which .dockerignore leaves out`);
      }
    }
    assert.ok(keep('api/migrations/1764806400000_initial-schema.sql'), 'migrations are shipped');
    assert.ok(keep('package.json') && keep('package-lock.json'));
    for (const left of [
      'test/stack.test.ts',
      'api/src/config.test.ts',
      'api/src/testing/stack.ts',
    ]) {
      assert.equal(keep(left), false, `${left} stays out of the image`);
    }
    assert.equal(keep('node_modules/pg/package.json'), false, 'node_modules comes from npm ci');
  });

  it('runs with production dependencies only (npm ci --omit=dev is enough)', async () => {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    for (const entry of Object.values(ENTRY_POINTS)) {
      if (!existsSync(join(ROOT, entry))) continue;
      for (const specifier of (await importGraph(entry)).packages) {
        if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = packageName(specifier);
        assert.ok(
          manifest.dependencies[name],
          `${entry} loads ${name}, not a production dependency`,
        );
      }
    }
  });
});

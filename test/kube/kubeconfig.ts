import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The context, cluster and user name the fixture's kubeconfig uses. */
export const KUBECONFIG_CONTEXT = 'zajoni-fixture';

/**
 * Writes a kubeconfig for plain-HTTP `server` into `dir`, readable by `KubeConfig.loadFromFile`
 * and `kubectl --kubeconfig`. The user has a dummy token: the fixture does no authentication.
 */
export async function writeKubeconfig(dir: string, server: string): Promise<string> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': KUBECONFIG_CONTEXT,
    // client-node refuses plain HTTP unless TLS verification is off; kubectl accepts both.
    clusters: [{ name: KUBECONFIG_CONTEXT, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: KUBECONFIG_CONTEXT, user: { token: 'zajoni-fixture-token' } }],
    contexts: [
      {
        name: KUBECONFIG_CONTEXT,
        context: { cluster: KUBECONFIG_CONTEXT, user: KUBECONFIG_CONTEXT, namespace: 'default' },
      },
    ],
  };
  const path = join(dir, 'kubeconfig.yaml');
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}

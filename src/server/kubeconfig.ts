// A kubeconfig for kubectl and client libraries pointing at one knet API server.
import YAML from 'yaml';

export function kubeconfig(server: string, opts: { name?: string; caData?: string; token?: string; namespace?: string } = {}): string {
  const name = opts.name ?? 'knet';
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ cluster: { server, ...(opts.caData ? { 'certificate-authority-data': Buffer.from(opts.caData).toString('base64') } : {}) }, name }],
    contexts: [{ context: { cluster: name, user: name, namespace: opts.namespace ?? 'default' }, name }],
    'current-context': name,
    preferences: {},
    users: [{ name, user: opts.token ? { token: opts.token } : {} }],
  });
}

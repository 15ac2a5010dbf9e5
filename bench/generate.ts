// A generated cluster of any size, as plain topology documents (no YAML round trip).
export interface ScaleSpec {
  nodes: number;
  services: number;
  podsPerService: number;
  /** kube-proxy's mode (KubeProxyConfiguration mode; absent: kubeadm's default, iptables). */
  proxyMode?: 'iptables' | 'ipvs' | 'nftables';
}

export function generateCluster(s: ScaleSpec): Record<string, unknown>[] {
  const nodes = Array.from({ length: s.nodes }, (_, i) => ({
    name: `node-${String(i).padStart(4, '0')}`,
    ip: `172.16.${Math.floor(i / 250)}.${(i % 250) + 1}`,
    ...(i === 0 ? { roles: ['control-plane'] } : {}),
  }));
  const docs: Record<string, unknown>[] = [
    { apiVersion: 'knet.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'scale' }, spec: { nodes } },
    { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', networking: { podSubnet: '10.0.0.0/8', serviceSubnet: '10.96.0.0/12' } },
  ];
  if (s.proxyMode) docs.push({ apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', mode: s.proxyMode });
  for (let i = 0; i < s.services; i++) {
    const app = `app-${i}`;
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, namespace: 'default' },
      spec: {
        replicas: s.podsPerService,
        selector: { matchLabels: { app } },
        template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } },
      },
    });
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app, namespace: 'default' },
      spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
  }
  return docs;
}

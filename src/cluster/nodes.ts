// Node objects as kubelet registers them, from the Cluster header.
import type { Node } from '../api/types.js';
import type { ClusterNode } from '../topology/config.js';
import { CONTROL_PLANE_TAINT } from '../controllers/eligibility.js';

export function nodeObject(n: ClusterNode, written?: Node): Node {
  const base = registered(n);
  if (!written) return base;
  // The written Node wins field by field; what it leaves out is what kubelet would have set.
  const { resourceVersion: _rv, ...meta } = written.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    // Labels are the Node's own; annotations gain what flanneld (which knet runs) writes.
    metadata: { ...base.metadata, ...meta, labels: meta.labels ?? base.metadata.labels, annotations: { ...base.metadata.annotations, ...meta.annotations } },
    spec: { ...(n.podCIDR ? { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] } : {}), ...(written.spec ?? {}) },
    status: { ...base.status, ...(written.status ?? {}), nodeInfo: { ...base.status!.nodeInfo, ...(written.status?.nodeInfo ?? {}) } },
  };
}

function registered(n: ClusterNode): Node {
  const cp = n.roles.includes('control-plane') || n.roles.includes('master');
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
    ...Object.fromEntries(n.roles.map((r) => [`node-role.kubernetes.io/${r}`, ''])),
    ...(cp ? { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
    ...n.labels,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels, annotations: { 'flannel.alpha.coreos.com/public-ip': n.ip } },
    spec: { ...(n.podCIDR ? { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] } : {}), ...(cp ? { taints: [CONTROL_PLANE_TAINT] } : {}) },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      conditions: [{ type: 'Ready', status: 'True' }],
      nodeInfo: { kubeletVersion: 'v1.35.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-knet', containerRuntimeVersion: 'containerd://2.1.0' },
    },
  };
}

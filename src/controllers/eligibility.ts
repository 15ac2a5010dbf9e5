// Which nodes a pod may run on: nodeSelector and NoSchedule/NoExecute taints against tolerations,
// as kube-scheduler's NodeAffinity and TaintToleration filters decide.
import type { Node, PodSpec, Taint, Toleration } from '../api/types.js';

export const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

export function podFitsNode(spec: PodSpec, node: Node): boolean {
  return unfitReason(spec, node) === undefined;
}

/** Why a node is filtered out, in kube-scheduler's words (undefined: it fits). */
export function unfitReason(spec: PodSpec, node: Node): string | undefined {
  if (node.spec.unschedulable) return 'node(s) were unschedulable';
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return "node(s) didn't match Pod's node affinity/selector";
  for (const taint of node.spec.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!(spec.tolerations ?? []).some((t) => tolerates(t, taint))) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  return undefined;
}

/** The host ports a pod asks for: protocol, host IP (0.0.0.0 for all) and port. */
export function hostPortsOf(spec: PodSpec): { protocol: string; hostIP: string; hostPort: number }[] {
  return spec.containers.flatMap((c) =>
    (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ protocol: p.protocol ?? 'TCP', hostIP: p.hostIP || '0.0.0.0', hostPort: p.hostPort! })),
  );
}

/** kube-scheduler's NodePorts filter: the same protocol and port on the same or a wildcard host IP. */
export function hostPortsConflict(a: ReturnType<typeof hostPortsOf>, b: ReturnType<typeof hostPortsOf>): boolean {
  return a.some((x) => b.some((y) => x.protocol === y.protocol && x.hostPort === y.hostPort && (x.hostIP === y.hostIP || x.hostIP === '0.0.0.0' || y.hostIP === '0.0.0.0')));
}

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
  if (node.spec.unschedulable) return false;
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (node.metadata.labels?.[k] !== v) return false;
  for (const taint of node.spec.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!(spec.tolerations ?? []).some((t) => tolerates(t, taint))) return false;
  }
  return true;
}

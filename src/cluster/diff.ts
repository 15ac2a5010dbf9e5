// Moves a running cluster to the objects of another topology, as `kubectl apply --prune` would:
// objects only in the new topology are created, changed ones replaced, missing ones deleted.
// The cluster's configuration (nodes, kubeadm, kube-proxy) stays as it was loaded.
import { KINDS, keyOf, type AnyObject } from '../api/types.js';
import type { Topology } from '../topology/load.js';
import type { Cluster } from './cluster.js';

function id(o: AnyObject): string {
  return `${o.kind}/${keyOf({ metadata: { ...o.metadata, namespace: o.metadata.namespace ?? 'default' } })}`;
}

export function applyTopologyObjects(cluster: Cluster, next: Topology): void {
  const before = new Map(cluster.topology.objects.filter((s) => s.object.kind !== 'Node').map((s) => [id(s.object), s.object]));
  const after = new Map(next.objects.filter((s) => s.object.kind !== 'Node').map((s) => [id(s.object), s.object]));
  const store = cluster.store;
  for (const [k, o] of before) {
    if (after.has(k) || o.kind === 'Namespace') continue;
    if (store.get(o.kind, o.metadata.namespace ?? 'default', o.metadata.name)) store.delete(o.kind, o.metadata.namespace ?? 'default', o.metadata.name);
  }
  for (const [k, o] of after) {
    const old = before.get(k);
    if (!old) store.create(o);
    else if (JSON.stringify(old) !== JSON.stringify(o)) {
      const { resourceVersion: _rv, ...metadata } = o.metadata;
      if (KINDS[o.kind].namespaced) metadata.namespace ??= 'default';
      store.update({ ...o, metadata } as AnyObject);
    }
  }
  cluster.settle();
}

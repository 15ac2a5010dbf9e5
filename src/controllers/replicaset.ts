// The ReplicaSet controller: keeps `replicas` pods named <replicaset>-<5 chars>.
import { PodKeeper } from './pod-keeper.js';
import { controllerRef } from './workload.js';

export class ReplicaSetController extends PodKeeper {
  readonly name = 'replicaset';
  protected readonly kind = 'ReplicaSet';

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const rs = this.store.get('ReplicaSet', ns, name);
    if (!rs) return this.deleteOrphans(ns, name);
    this.scaleTo(rs, this.podsOf(rs), rs.spec.replicas ?? 1, rs.spec.template, controllerRef(rs));
  }
}

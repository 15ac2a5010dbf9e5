// The ReplicaSet controller: keeps `replicas` pods named <replicaset>-<5 chars>.
import { PodKeeper } from './pod-keeper.js';
import { controllerRef } from './workload.js';

export class ReplicaSetController extends PodKeeper {
  readonly name = 'replicaset';
  protected readonly kind = 'ReplicaSet';

  protected sync(key: string): void {
    const rs = this.store.getByKey('ReplicaSet', key);
    if (!rs) return this.deleteOrphans(...(key.split('/') as [string, string]));
    this.scaleTo(rs, this.podsOf(rs), rs.spec.replicas ?? 1, rs.spec.template, controllerRef(rs));
  }
}

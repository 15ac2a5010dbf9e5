// The ReplicationController manager: ReplicaSet's older sibling. It keeps `replicas` pods named
// <rc>-<5 chars>, selected by a plain label map that defaults to the template's labels.
import { PodKeeper } from './pod-keeper.js';
import { controllerRef } from './workload.js';

export class ReplicationControllerManager extends PodKeeper {
  readonly name = 'replicationcontroller';
  protected readonly kind = 'ReplicationController';

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const rc = this.store.get('ReplicationController', ns, name);
    if (!rc) return this.deleteOrphans(ns, name);
    this.scaleTo(rc, this.podsOf(rc), rc.spec.replicas ?? 1, rc.spec.template, controllerRef(rc));
  }
}

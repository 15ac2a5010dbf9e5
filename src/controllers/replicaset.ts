// The ReplicaSet controller: keeps `replicas` pods named <replicaset>-<5 chars>.
import { keyOf, type Pod } from '../api/types.js';
import { Controller, controllerOf } from './controller.js';
import { suffix5 } from './names.js';
import { controllerRef, OwnerIndex, podFromTemplate } from './workload.js';

export class ReplicaSetController extends Controller {
  readonly name = 'replicaset';
  private readonly owned = new OwnerIndex();
  /** Pods ever created per ReplicaSet: a replacement gets a new name, never a dead pod's. */
  private readonly serial = new Map<string, number>();

  start(): void {
    this.store.watch('ReplicaSet', 0, (ev) => this.enqueue(keyOf(ev.object)));
    this.store.watch('Pod', 0, (ev) => {
      const owner = controllerOf(ev.object);
      if (owner?.kind !== 'ReplicaSet') return;
      if (ev.type === 'DELETED') {
        this.owned.remove(owner.uid, keyOf(ev.object));
        this.enqueue(`${ev.object.metadata.namespace}/${owner.name}`);
      } else if (ev.oldObject?.metadata.ownerReferences !== ev.object.metadata.ownerReferences) this.owned.add(owner.uid, keyOf(ev.object));
    });
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const rs = this.store.get('ReplicaSet', ns, name);
    if (!rs) {
      for (const p of this.store.list('Pod', { namespace: ns })) {
        const o = controllerOf(p);
        if (o?.kind === 'ReplicaSet' && o.name === name) this.store.delete('Pod', ns, p.metadata.name);
      }
      return;
    }
    const pods = this.owned
      .owned(rs.metadata.uid!)
      .map((k) => this.store.get('Pod', ns, k.split('/')[1]!))
      .filter((p): p is Pod => !!p && !p.metadata.deletionTimestamp);
    const want = rs.spec.replicas ?? 1;
    const ref = controllerRef(rs);
    while (pods.length < want) {
      const n = this.serial.get(rs.metadata.uid!) ?? 0;
      this.serial.set(rs.metadata.uid!, n + 1);
      const podName = `${name}-${suffix5(`${name}/${n}`)}`;
      if (this.store.get('Pod', ns, podName)) continue;
      pods.push(this.store.create(podFromTemplate(rs.spec.template, podName, ns, ref)));
    }
    // Scale down removes the newest pods first, as the controller's ranking does for equal pods.
    while (pods.length > want) {
      const p = pods.pop()!;
      this.store.delete('Pod', ns, p.metadata.name);
    }
  }
}

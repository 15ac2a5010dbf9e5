// The ReplicationController manager: ReplicaSet's older sibling. It keeps `replicas` pods named
// <rc>-<5 chars>, selected by a plain label map that defaults to the template's labels.
import { keyOf, type Pod } from '../api/types.js';
import { Controller, controllerOf } from './controller.js';
import { suffix5 } from './names.js';
import { controllerRef, OwnerIndex, podFromTemplate } from './workload.js';

export class ReplicationControllerManager extends Controller {
  readonly name = 'replicationcontroller';
  private readonly owned = new OwnerIndex();
  /** Pods ever created per controller: a replacement gets a new name. */
  private readonly serial = new Map<string, number>();

  start(): void {
    this.store.watch('ReplicationController', 0, (ev) => this.enqueue(keyOf(ev.object)));
    this.store.watch('Pod', 0, (ev) => {
      const owner = controllerOf(ev.object);
      if (owner?.kind !== 'ReplicationController') return;
      if (ev.type === 'DELETED') {
        this.owned.remove(owner.uid, keyOf(ev.object));
        this.enqueue(`${ev.object.metadata.namespace}/${owner.name}`);
      } else this.owned.add(owner.uid, keyOf(ev.object));
    });
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const rc = this.store.get('ReplicationController', ns, name);
    if (!rc) {
      for (const p of this.store.list('Pod', { namespace: ns })) {
        const o = controllerOf(p);
        if (o?.kind === 'ReplicationController' && o.name === name) this.store.delete('Pod', ns, p.metadata.name);
      }
      return;
    }
    const uid = rc.metadata.uid!;
    const pods = this.owned
      .owned(uid)
      .map((k) => this.store.get('Pod', ns, k.split('/')[1]!))
      .filter((p): p is Pod => !!p && !p.metadata.deletionTimestamp);
    const want = rc.spec.replicas ?? 1;
    const ref = controllerRef(rc);
    while (pods.length < want) {
      const n = this.serial.get(uid) ?? 0;
      this.serial.set(uid, n + 1);
      const podName = `${name}-${suffix5(`${name}/${n}`)}`;
      if (this.store.get('Pod', ns, podName)) continue;
      pods.push(this.store.create(podFromTemplate(rc.spec.template, podName, ns, ref)));
    }
    while (pods.length > want) this.store.delete('Pod', ns, pods.pop()!.metadata.name);
  }
}

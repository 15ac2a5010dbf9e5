// What the workload controllers that stamp pods from a template share (ReplicaSet,
// ReplicationController, Job): their pods indexed by controller reference from the Pod watch, the
// owner requeued when one of its pods goes, the garbage collector's removal of a deleted owner's
// pods, and scaling to a count with names <owner>-<5 chars> never reused.
import { ApiError } from '../api/errors.js';
import type { ObjectMeta, OwnerReference, Pod, PodTemplateSpec } from '../api/types.js';
import { Controller, controllerOf } from './controller.js';
import { suffix5 } from './names.js';
import { OwnerIndex, podFromTemplate } from './workload.js';

export abstract class PodKeeper extends Controller {
  protected abstract readonly kind: 'ReplicaSet' | 'ReplicationController' | 'Job';
  private readonly owned = new OwnerIndex();
  /** Pods ever created per owner: a replacement gets a new name, never a dead pod's. */
  private readonly serial = new Map<string, number>();

  start(): void {
    this.store.watch(this.kind, 0, (ev) => this.enqueue(ev.key));
    this.store.watch('Pod', 0, (ev) => {
      // The same owner references as before: nothing for the index (the common case, a pod's status).
      if (ev.type === 'MODIFIED' && ev.oldObject!.metadata.ownerReferences === ev.object.metadata.ownerReferences) return;
      const owner = controllerOf(ev.object);
      if (owner?.kind !== this.kind) return;
      if (ev.type === 'DELETED') {
        this.owned.remove(owner.uid, ev.key);
        this.enqueue(`${ev.object.metadata.namespace}/${owner.name}`);
      } else if (ev.oldObject?.metadata.ownerReferences !== ev.object.metadata.ownerReferences) this.owned.add(owner.uid, ev.key);
    });
  }

  /** The garbage collector's part for an owner that is gone: its pods go too. */
  protected deleteOrphans(ns: string, name: string): void {
    for (const p of this.store.list('Pod', { namespace: ns })) {
      const o = controllerOf(p);
      if (o?.kind === this.kind && o.name === name) this.store.delete('Pod', ns, p.metadata.name);
    }
  }

  /** The owner's pods (without those already being deleted, unless `withTerminating`). */
  protected podsOf(owner: { metadata: ObjectMeta }, withTerminating = false): Pod[] {
    const out: Pod[] = [];
    for (const k of this.owned.keys(owner.metadata.uid!)) {
      const p = this.store.getByKey('Pod', k);
      if (p && (withTerminating || !p.metadata.deletionTimestamp)) out.push(p);
    }
    return out;
  }

  /** Creates or deletes pods until `want` remain; scale down removes the newest first, as the controllers' ranking does for equal pods. */
  protected scaleTo(owner: { metadata: ObjectMeta }, pods: Pod[], want: number, template: PodTemplateSpec, ref: OwnerReference, labels?: Record<string, string>): void {
    const ns = owner.metadata.namespace!;
    const name = owner.metadata.name;
    const uid = owner.metadata.uid!;
    const from = this.serial.get(uid) ?? 0;
    let n = from;
    try {
      while (pods.length < want) {
        const podName = `${name}-${suffix5(`${name}/${n++}`)}`;
        try {
          pods.push(this.store.create(podFromTemplate(template, podName, ns, ref, labels)));
        } catch (e) {
          // A name some pod holds already (one written in the topology) is passed over.
          if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
        }
      }
    } finally {
      if (n !== from) this.serial.set(uid, n);
    }
    while (pods.length > want) this.store.delete('Pod', ns, pods.pop()!.metadata.name);
  }
}

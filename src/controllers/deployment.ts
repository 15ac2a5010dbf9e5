// The Deployment controller: one ReplicaSet per pod template, named <deployment>-<pod-template-hash>.
import type { ReplicaSet } from '../api/types.js';
import { Controller, controllerOf } from './controller.js';
import { templateHash } from './names.js';
import { controllerRef, OwnerIndex } from './workload.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';

export class DeploymentController extends Controller {
  readonly name = 'deployment';
  private readonly owned = new OwnerIndex();

  start(): void {
    this.store.watch('Deployment', 0, (ev) => this.enqueue(ev.key));
    this.store.watch('ReplicaSet', 0, (ev) => {
      const owner = controllerOf(ev.object);
      if (owner?.kind !== 'Deployment') return;
      if (ev.type === 'DELETED') this.owned.remove(owner.uid, ev.key);
      else this.owned.add(owner.uid, ev.key);
    });
  }

  protected sync(key: string): void {
    // By the queued key (the store's own string): no namespace and name to split out and hash again.
    const d = this.store.getByKey('Deployment', key);
    if (!d) return this.collect(...(key.split('/') as [string, string]));
    const ns = d.metadata.namespace!;
    const name = d.metadata.name;
    const hash = templateHash(d.spec.template);
    const rsName = `${name}-${hash}`;
    const replicas = d.spec.replicas ?? 1;
    const template = {
      ...d.spec.template,
      metadata: { ...d.spec.template.metadata, labels: { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } },
    };
    const existing = this.store.get('ReplicaSet', ns, rsName);
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: ns,
        labels: { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
        annotations: { 'deployment.kubernetes.io/revision': '1' },
        ownerReferences: [controllerRef(d)],
      },
      spec: {
        replicas,
        selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
        template,
      },
    };
    if (!existing) this.store.create(rs);
    else if (existing.spec.replicas !== replicas) this.store.update({ ...existing, spec: { ...existing.spec, replicas } });
    // A new template replaces the old ReplicaSets (a finished rollout).
    for (const k of this.owned.owned(d.metadata.uid!)) {
      const old = this.store.getByKey('ReplicaSet', k);
      if (old && old.metadata.name !== rsName) this.store.delete('ReplicaSet', ns, old.metadata.name);
    }
  }

  /** Garbage collection of a deleted Deployment's ReplicaSets. */
  private collect(ns: string, name: string): void {
    for (const rs of this.store.list('ReplicaSet', { namespace: ns })) {
      const o = controllerOf(rs);
      if (o?.kind === 'Deployment' && o.name === name) this.store.delete('ReplicaSet', ns, rs.metadata.name);
    }
  }
}

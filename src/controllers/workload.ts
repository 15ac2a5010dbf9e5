import { copyOf, withFields } from '../api/copy.js';
import type { ObjectMeta, OwnerReference, Pod, PodTemplateSpec } from '../api/types.js';

/** A controller reference as the workload controllers set it. */
export function controllerRef(owner: { apiVersion: string; kind: string; metadata: ObjectMeta }): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true };
}

/**
 * A Pod stamped from a template, owned by `owner`. Stored objects are never changed in place, so
 * the pod shares the template's spec (and its labels, when it adds none): the scheduler's binding
 * writes a new spec anyway.
 */
export function podFromTemplate(
  template: PodTemplateSpec,
  name: string,
  namespace: string,
  owner: OwnerReference,
  extraLabels?: Record<string, string>,
): Pod {
  const labels = template.metadata?.labels;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: labels && !extraLabels ? labels : withFields(labels, extraLabels ?? {}),
      ...(template.metadata?.annotations ? { annotations: copyOf(template.metadata.annotations) } : {}),
      ownerReferences: [owner],
    },
    spec: template.spec,
    status: { phase: 'Pending' },
  };
}

const NONE: ReadonlySet<string> = new Set();

/** Owner uid → names of the objects it owns, kept current from watch events. */
export class OwnerIndex {
  private readonly byOwner = new Map<string, Set<string>>();

  add(ownerUid: string | undefined, key: string): void {
    if (!ownerUid) return;
    let s = this.byOwner.get(ownerUid);
    if (!s) this.byOwner.set(ownerUid, (s = new Set()));
    s.add(key);
  }

  remove(ownerUid: string | undefined, key: string): void {
    if (ownerUid) this.byOwner.get(ownerUid)?.delete(key);
  }

  owned(ownerUid: string): string[] {
    return [...this.keys(ownerUid)];
  }

  /** The keys themselves, for a caller that changes none of them while it reads. */
  keys(ownerUid: string): ReadonlySet<string> {
    return this.byOwner.get(ownerUid) ?? NONE;
  }
}

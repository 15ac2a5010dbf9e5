// The StatefulSet controller: pods <name>-0 … <name>-(N-1), each with hostname and subdomain so
// the governing headless Service gives it a DNS name.
import { Controller, controllerOf } from './controller.js';
import { templateHash } from './names.js';
import { controllerRef, podFromTemplate } from './workload.js';

export class StatefulSetController extends Controller {
  readonly name = 'statefulset';

  start(): void {
    this.store.watch('StatefulSet', 0, (ev) => this.enqueue(ev.key));
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const sts = this.store.get('StatefulSet', ns, name);
    const want = sts ? (sts.spec.replicas ?? 1) : 0;
    for (const p of this.store.list('Pod', { namespace: ns })) {
      const o = controllerOf(p);
      if (o?.kind !== 'StatefulSet' || o.name !== name) continue;
      const ordinal = Number(p.metadata.name.slice(name.length + 1));
      if (ordinal >= want) this.store.delete('Pod', ns, p.metadata.name);
    }
    if (!sts) return;
    const ref = controllerRef(sts);
    for (let i = 0; i < want; i++) {
      const podName = `${name}-${i}`;
      if (this.store.get('Pod', ns, podName)) continue;
      const pod = podFromTemplate(sts.spec.template, podName, ns, ref, {
        'statefulset.kubernetes.io/pod-name': podName,
        'apps.kubernetes.io/pod-index': String(i),
        'controller-revision-hash': `${name}-${templateHash(sts.spec.template)}`,
      });
      pod.spec = { ...pod.spec, hostname: podName, ...(sts.spec.serviceName ? { subdomain: sts.spec.serviceName } : {}) };
      this.store.create(pod);
    }
  }
}

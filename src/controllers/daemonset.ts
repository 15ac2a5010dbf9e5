// The DaemonSet controller: one pod per eligible node, bound to it directly.
import { keyOf, type Pod } from '../api/types.js';
import { Controller, controllerOf } from './controller.js';
import { podFitsNode } from './eligibility.js';
import { suffix5 } from './names.js';
import { controllerRef, podFromTemplate } from './workload.js';

export class DaemonSetController extends Controller {
  readonly name = 'daemonset';

  start(): void {
    this.store.watch('DaemonSet', 0, (ev) => this.enqueue(ev.key));
    this.store.watch('Node', 0, () => {
      for (const ds of this.store.list('DaemonSet')) this.enqueue(keyOf(ds));
    });
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const ds = this.store.get('DaemonSet', ns, name);
    const mine = this.store.list('Pod', { namespace: ns }).filter((p) => {
      const o = controllerOf(p);
      return o?.kind === 'DaemonSet' && o.name === name;
    });
    if (!ds) {
      for (const p of mine) this.store.delete('Pod', ns, p.metadata.name);
      return;
    }
    const byNode = new Map<string, Pod>(mine.map((p) => [p.spec.nodeName ?? '', p]));
    const ref = controllerRef(ds);
    for (const node of this.store.list('Node')) {
      const fits = podFitsNode(ds.spec.template.spec, node);
      const have = byNode.get(node.metadata.name);
      if (fits && !have) {
        const pod = podFromTemplate(ds.spec.template, `${name}-${suffix5(`${name}/${node.metadata.name}`)}`, ns, ref, {
          'controller-revision-hash': suffix5(`${name}/rev`).slice(0, 5),
          'pod-template-generation': '1',
        });
        pod.spec = { ...pod.spec, nodeName: node.metadata.name };
        this.store.create(pod);
      } else if (!fits && have) this.store.delete('Pod', ns, have.metadata.name);
      byNode.delete(node.metadata.name);
    }
    for (const orphan of byNode.values()) this.store.delete('Pod', ns, orphan.metadata.name);
  }
}

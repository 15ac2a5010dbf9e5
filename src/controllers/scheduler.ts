// kube-scheduler, reduced to what decides placement in a small emulated cluster: filter by
// nodeName/nodeSelector/taints, then spread (fewest pods, ties in node order).
import { keyOf, type Node, type Pod } from '../api/types.js';
import { Controller } from './controller.js';
import { podFitsNode } from './eligibility.js';

export class SchedulerController extends Controller {
  readonly name = 'scheduler';
  private readonly podsOnNode = new Map<string, number>();

  start(): void {
    this.store.watch('Pod', 0, (ev) => {
      const n = ev.object.spec.nodeName;
      const was = ev.oldObject?.spec.nodeName;
      if (was) this.bump(was, -1);
      if (ev.type === 'DELETED') {
        if (n) this.bump(n, -1);
      } else if (n) this.bump(n, 1);
      else this.enqueue(keyOf(ev.object));
    });
    this.store.watch('Node', 0, (ev) => {
      // A node that appears may take pods nothing could place before.
      if (ev.type === 'ADDED') for (const p of this.store.list('Pod')) if (!p.spec.nodeName) this.enqueue(keyOf(p));
    });
  }

  private bump(node: string, by: number): void {
    this.podsOnNode.set(node, (this.podsOnNode.get(node) ?? 0) + by);
  }

  private eligibleCache = new Map<string, Node[]>();

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.store.get('Pod', ns, name);
    if (!pod || pod.spec.nodeName) return;
    const nodes = this.eligible(pod);
    let best: Node | undefined;
    let bestCount = Infinity;
    for (const n of nodes) {
      const c = this.podsOnNode.get(n.metadata.name) ?? 0;
      if (c < bestCount) {
        best = n;
        bestCount = c;
      }
    }
    if (!best) return; // stays Pending, as with "0/N nodes are available"
    const bound: Pod = { ...pod, spec: { ...pod.spec, nodeName: best.metadata.name } };
    this.store.update(bound);
  }

  /** Nodes that pass the filters; pods with the same constraints share one answer. */
  private eligible(pod: Pod): Node[] {
    const sig = JSON.stringify([pod.spec.nodeSelector ?? null, pod.spec.tolerations ?? null, this.store.kindVersion('Node')]);
    let nodes = this.eligibleCache.get(sig);
    if (!nodes) {
      nodes = this.store.list('Node').filter((n) => podFitsNode(pod.spec, n));
      this.eligibleCache.set(sig, nodes);
    }
    return nodes;
  }
}

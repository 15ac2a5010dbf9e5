// kube-scheduler, reduced to what decides placement in a small emulated cluster: filter by
// nodeName/nodeSelector/taints, then spread (fewest pods, ties in node order).
import { keyOf, type Node, type Pod } from '../api/types.js';
import { Controller } from './controller.js';
import { podFitsNode } from './eligibility.js';

/** Nodes that pass one set of filters, with a lazy min-heap on (pods on node, node order). */
interface Candidates {
  nodes: Node[];
  heap: [count: number, index: number][];
}

function less(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

function push(h: [number, number][], e: [number, number]): void {
  h.push(e);
  for (let i = h.length - 1; i > 0; ) {
    const p = (i - 1) >> 1;
    if (!less(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function pop(h: [number, number][]): void {
  const last = h.pop()!;
  if (h.length === 0) return;
  h[0] = last;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && less(h[l]!, h[m]!)) m = l;
    if (r < h.length && less(h[r]!, h[m]!)) m = r;
    if (m === i) break;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
}

export class SchedulerController extends Controller {
  readonly name = 'scheduler';
  private readonly podsOnNode = new Map<string, number>();
  private readonly candidates = new Map<string, Candidates>();
  /** Pods not bound to a node: the ones a new Node may take. */
  private readonly unscheduled = new Set<string>();

  start(): void {
    this.store.watch('Pod', 0, (ev) => {
      const n = ev.object.spec.nodeName;
      const was = ev.oldObject?.spec.nodeName;
      const key = keyOf(ev.object);
      if (n === was && ev.type === 'MODIFIED') {
        // Counts stay; a pod still waiting may fit now.
        if (!n) this.enqueue(key);
        return;
      }
      if (was) this.bump(was, -1);
      if (ev.type === 'DELETED') {
        this.unscheduled.delete(key);
        if (n) this.bump(n, -1);
        // A node got lighter: the heaps' entries may now be too high; rebuild them on demand.
        this.candidates.clear();
      } else if (n) {
        this.unscheduled.delete(key);
        this.bump(n, 1);
      } else {
        this.unscheduled.add(key);
        this.enqueue(key);
      }
    });
    this.store.watch('Node', 0, (ev) => {
      // A node that appears may take pods nothing could place before.
      if (ev.type === 'ADDED') for (const key of this.unscheduled) this.enqueue(key);
    });
  }

  private bump(node: string, by: number): void {
    this.podsOnNode.set(node, (this.podsOnNode.get(node) ?? 0) + by);
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.store.get('Pod', ns, name);
    if (!pod || pod.spec.nodeName) return;
    const best = this.pick(pod);
    if (!best) return; // stays Pending, as with "0/N nodes are available"
    this.store.update({ ...pod, spec: { ...pod.spec, nodeName: best.metadata.name } });
  }

  private pick(pod: Pod): Node | undefined {
    const c = this.eligible(pod);
    const count = (i: number) => this.podsOnNode.get(c.nodes[i]!.metadata.name) ?? 0;
    // Entries go stale as counts change elsewhere; refresh the top until it is current.
    while (c.heap.length) {
      const [n, i] = c.heap[0]!;
      const now = count(i);
      if (n === now) {
        pop(c.heap);
        push(c.heap, [now + 1, i]);
        return c.nodes[i];
      }
      pop(c.heap);
      push(c.heap, [now, i]);
    }
    return undefined;
  }

  /** Pods with the same constraints share one candidate set, rebuilt when nodes change. */
  private eligible(pod: Pod): Candidates {
    const sig = JSON.stringify([pod.spec.nodeSelector ?? null, pod.spec.tolerations ?? null, this.store.kindVersion('Node')]);
    let c = this.candidates.get(sig);
    if (!c) {
      const nodes = this.store.list('Node').filter((n) => podFitsNode(pod.spec, n));
      c = { nodes, heap: [] };
      nodes.forEach((_, i) => push(c!.heap, [this.podsOnNode.get(nodes[i]!.metadata.name) ?? 0, i]));
      this.candidates.set(sig, c);
    }
    return c;
  }
}

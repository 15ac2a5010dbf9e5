// kube-scheduler, reduced to what decides placement in a small emulated cluster: filter by
// nodeName/nodeSelector/taints (and host ports, the NodePorts filter), then spread (fewest pods,
// ties in node order). A pod no node takes stays Pending with the scheduler's reason.
import { withFields } from '../api/copy.js';
import type { Node, Pod, PodCondition } from '../api/types.js';
import { Controller } from './controller.js';
import { hostPortsConflict, hostPortsOf, podFitsNode, unfitReason } from './eligibility.js';

const PORTS_TAKEN = "node(s) didn't have free ports for the requested pod ports";

/**
 * Nodes that pass one set of filters, with a lazy min-heap on (pods on node, node order). An entry
 * is one number, count × nodes + index, so the heap is an array of numbers ordered as the pairs are.
 */
interface Candidates {
  /** The Node kind's version the set was built at. */
  version: number;
  nodes: Node[];
  heap: number[];
}

function push(h: number[], e: number): void {
  h.push(e);
  for (let i = h.length - 1; i > 0; ) {
    const p = (i - 1) >> 1;
    if (h[i]! >= h[p]!) break;
    const t = h[i]!;
    h[i] = h[p]!;
    h[p] = t;
    i = p;
  }
}

function pop(h: number[]): void {
  const last = h.pop()!;
  if (h.length === 0) return;
  h[0] = last;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && h[l]! < h[m]!) m = l;
    if (r < h.length && h[r]! < h[m]!) m = r;
    if (m === i) break;
    const t = h[i]!;
    h[i] = h[m]!;
    h[m] = t;
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
      if (n === was && ev.type === 'MODIFIED') {
        // Counts stay; a pod still waiting may fit now.
        if (!n) this.enqueue(ev.key);
        return;
      }
      const key = ev.key;
      if (was) this.bump(was, -1);
      if (ev.type === 'DELETED') {
        this.unscheduled.delete(key);
        if (n) this.bump(n, -1);
        // A node got lighter: the heaps' entries may now be too high; rebuild them on demand.
        this.candidates.clear();
        // Its host ports are free again for the pods waiting on them.
        if (n && hostPortsOf(ev.object.spec).length) for (const k of this.unscheduled) this.enqueue(k);
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
    const pod = this.store.getByKey('Pod', key);
    if (!pod || pod.spec.nodeName) return;
    const best = asksHostPorts(pod) ? this.pickWithPorts(pod) : this.pick(pod);
    if (!best) return this.unschedulable(pod);
    this.store.update(withFields(pod, { spec: withFields(pod.spec, { nodeName: best.metadata.name }) }));
  }

  /** Pods asking for host ports: every node is checked against the ports its pods already hold. */
  private pickWithPorts(pod: Pod): Node | undefined {
    const want = hostPortsOf(pod.spec);
    let best: Node | undefined;
    for (const node of this.store.list('Node')) {
      if (!podFitsNode(pod.spec, node) || this.portsTaken(want, node.metadata.name)) continue;
      if (!best || (this.podsOnNode.get(node.metadata.name) ?? 0) < (this.podsOnNode.get(best.metadata.name) ?? 0)) best = node;
    }
    return best;
  }

  private portsTaken(want: ReturnType<typeof hostPortsOf>, node: string): boolean {
    return this.store.list('Pod').some((p) => p.spec.nodeName === node && hostPortsConflict(want, hostPortsOf(p.spec)));
  }

  /** kube-scheduler's FitError: each filter's count of nodes, then what preemption could do. */
  private unschedulable(pod: Pod): void {
    const nodes = this.store.list('Node');
    if (nodes.length === 0) return;
    const want = hostPortsOf(pod.spec);
    const reasons = new Map<string, number>();
    const preemption = new Map<string, number>();
    for (const node of nodes) {
      const r = unfitReason(pod.spec, node) ?? (want.length && this.portsTaken(want, node.metadata.name) ? PORTS_TAKEN : undefined);
      if (!r) return; // a node fits after all (the heap picked none only because it was stale)
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
      // Only the NodePorts failure could be resolved by evicting pods (of lower priority: none here).
      const p = r === PORTS_TAKEN ? 'No preemption victims found for incoming pod' : 'Preemption is not helpful for scheduling';
      preemption.set(p, (preemption.get(p) ?? 0) + 1);
    }
    const list = (m: Map<string, number>) => [...m].map(([r, n]) => `${n} ${r}`).sort().join(', ');
    const message = `0/${nodes.length} nodes are available: ${list(reasons)}. preemption: 0/${nodes.length} nodes are available: ${list(preemption)}.`;
    const cond: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message };
    const had = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (had?.message === message) return;
    this.ctx.warn(pod, [], `stays Pending: ${message}`);
    this.store.update({ ...pod, status: { ...pod.status, phase: 'Pending', conditions: [cond] } });
  }

  private pick(pod: Pod): Node | undefined {
    const c = this.eligible(pod);
    // Entries go stale as counts change elsewhere; refresh the top until it is current.
    const size = c.nodes.length;
    while (c.heap.length) {
      const top = c.heap[0]!;
      const i = top % size;
      const now = this.podsOnNode.get(c.nodes[i]!.metadata.name) ?? 0;
      pop(c.heap);
      if ((top - i) / size === now) {
        push(c.heap, (now + 1) * size + i);
        return c.nodes[i];
      }
      push(c.heap, now * size + i);
    }
    return undefined;
  }

  /** Pods with the same constraints share one candidate set, rebuilt when nodes change. */
  private eligible(pod: Pod): Candidates {
    const { nodeSelector, tolerations } = pod.spec;
    const sig = nodeSelector || tolerations ? JSON.stringify([nodeSelector ?? null, tolerations ?? null]) : '';
    const version = this.store.kindVersion('Node');
    let c = this.candidates.get(sig);
    if (!c || c.version !== version) {
      const nodes = this.store.list('Node').filter((n) => podFitsNode(pod.spec, n));
      c = { version, nodes, heap: [] };
      nodes.forEach((n, i) => push(c!.heap, (this.podsOnNode.get(n.metadata.name) ?? 0) * nodes.length + i));
      this.candidates.set(sig, c);
    }
    return c;
  }
}

function asksHostPorts(pod: Pod): boolean {
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.hostPort) return true;
  return false;
}

// kube-controller-manager's node IPAM (range allocator): each node gets the next free subnet of
// the cluster pod CIDR, in node order; subnets already on a node are kept and reserved.
import type { Node } from '../api/types.js';
import { cidrsOverlap, formatCIDR, parseCIDR, subnetAt, type CIDR } from '../net/ip.js';
import { Controller } from './controller.js';

export class NodeIpamController extends Controller {
  readonly name = 'nodeipam';
  private readonly used = new Map<string, CIDR>();
  private cursor = 0;

  start(): void {
    this.store.watch('Node', 0, (ev) => {
      const cidr = ev.object.spec.podCIDR;
      if (ev.type === 'DELETED') {
        if (cidr) this.used.delete(ev.object.metadata.name);
      } else if (cidr) this.used.set(ev.object.metadata.name, parseCIDR(cidr, true)!);
      else this.enqueue(ev.object.metadata.name);
    });
  }

  /** flannel's SubnetLen decides the per-node subnet when set; kube-controller-manager's default is /24. */
  private maskSize(): number {
    return this.ctx.flannel.subnetLen || 24;
  }

  protected sync(name: string): void {
    const node = this.store.get('Node', undefined, name);
    if (!node || node.spec.podCIDR) return;
    const cluster = parseCIDR(this.ctx.networking.podSubnets[0]!)!;
    const size = this.maskSize();
    // Same-size subnets clash only when equal; only odd-sized pinned ones need the overlap test.
    const same = new Set<string>();
    const odd: CIDR[] = [];
    for (const u of this.used.values()) (u.prefix === size ? same.add(u.network) : odd.push(u));
    for (let i = this.cursor; ; i++) {
      const c = subnetAt(cluster, size, i);
      if (!c) return this.ctx.fail(node, ['spec', 'podCIDR'], `no free /${size} left in the cluster pod subnet ${formatCIDR(cluster)}`);
      if (same.has(c.network) || odd.some((u) => cidrsOverlap(u, c))) continue;
      this.cursor = i + 1;
      const text = formatCIDR(c);
      this.used.set(name, c);
      const updated: Node = { ...node, spec: { ...node.spec, podCIDR: text, podCIDRs: [text] } };
      this.store.update(updated);
      return;
    }
  }
}

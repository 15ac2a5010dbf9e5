// kube-controller-manager's node IPAM (range allocator): each node gets the next free subnet of
// every cluster pod CIDR (dual-stack: one IPv4 and one IPv6, in the order of --cluster-cidr), in
// node order; subnets already on a node are kept and reserved.
import type { Node } from '../api/types.js';
import { cidrsOverlap, formatCIDR, parseCIDR, subnetAt, type CIDR } from '../net/ip.js';
import { Controller } from './controller.js';

/** --node-cidr-mask-size-ipv6's default. */
const IPV6_MASK_SIZE = 64;

interface ClusterCIDR {
  cidr: CIDR;
  size: number;
  /** Subnets of this CIDR held by nodes, by node name. */
  used: Map<string, CIDR>;
  /** How many nodes hold each subnet of the per-node size (by network), kept with `used`. */
  same: Map<string, number>;
  cursor: number;
}

/** Records (or, with `cidr` undefined, forgets) the subnet a node holds. */
function hold(c: ClusterCIDR, node: string, cidr: CIDR | undefined): void {
  const had = c.used.get(node);
  if (had?.prefix === c.size) {
    const n = c.same.get(had.network)! - 1;
    if (n) c.same.set(had.network, n);
    else c.same.delete(had.network);
  }
  if (!cidr) {
    c.used.delete(node);
    return;
  }
  c.used.set(node, cidr);
  if (cidr.prefix === c.size) c.same.set(cidr.network, (c.same.get(cidr.network) ?? 0) + 1);
}

export class NodeIpamController extends Controller {
  readonly name = 'nodeipam';
  private clusters?: ClusterCIDR[];

  start(): void {
    this.store.watch('Node', 0, (ev) => {
      // The same spec (flanneld's annotations, a status): the same subnets held, and a node
      // without one is queued already from the event that gave it that spec.
      if (ev.type === 'MODIFIED' && ev.oldObject!.spec === ev.object.spec) return;
      const name = ev.object.metadata.name;
      const held = ev.object.spec.podCIDRs ?? (ev.object.spec.podCIDR ? [ev.object.spec.podCIDR] : []);
      for (const c of this.cidrs()) {
        if (ev.type === 'DELETED') hold(c, name, undefined);
        else {
          const mine = held.map((h) => parseCIDR(h, true)!).find((h) => h.family === c.cidr.family);
          if (mine) hold(c, name, mine);
        }
      }
      if (ev.type !== 'DELETED' && !ev.object.spec.podCIDR) this.enqueue(name);
    });
  }

  private cidrs(): ClusterCIDR[] {
    // flannel's SubnetLen decides the IPv4 per-node subnet when set; kube-controller-manager's default is /24.
    this.clusters ??= this.ctx.networking.podSubnets.map((s) => {
      const cidr = parseCIDR(s)!;
      return { cidr, size: cidr.family === 4 ? this.ctx.flannel.subnetLen || 24 : IPV6_MASK_SIZE, used: new Map(), same: new Map(), cursor: 0 };
    });
    return this.clusters;
  }

  protected sync(name: string): void {
    const node = this.store.get('Node', undefined, name);
    if (!node || node.spec.podCIDR) return;
    const got: CIDR[] = [];
    for (const c of this.cidrs()) {
      const next = this.next(c, node);
      if (!next) return;
      got.push(next);
    }
    got.forEach((g, i) => hold(this.cidrs()[i]!, name, g));
    const texts = got.map(formatCIDR);
    const updated: Node = { ...node, spec: { ...node.spec, podCIDR: texts[0], podCIDRs: texts } };
    this.store.update(updated);
  }

  private next(c: ClusterCIDR, node: Node): CIDR | undefined {
    // Same-size subnets clash only when equal; only odd-sized pinned ones need the overlap test.
    const odd: CIDR[] = [];
    if (c.same.size < c.used.size) for (const u of c.used.values()) if (u.prefix !== c.size) odd.push(u);
    for (let i = c.cursor; ; i++) {
      const s = subnetAt(c.cidr, c.size, i);
      if (!s) return this.ctx.fail(node, ['spec', 'podCIDR'], `no free /${c.size} left in the cluster pod subnet ${formatCIDR(c.cidr)}`);
      if (c.same.has(s.network) || odd.some((u) => cidrsOverlap(u, s))) continue;
      c.cursor = i + 1;
      return s;
    }
  }
}

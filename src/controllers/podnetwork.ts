// What kubelet and the CNI host-local IPAM plugin do for a pod once it is bound to a node:
// hostNetwork pods take the node's IP; others get the next free address of the node's podCIDR
// after the last one handed out (host-local's round-robin from .2; .1 is cni0), and the pod
// reports Running and Ready.
import { keyOf, type Pod, type PodStatus } from '../api/types.js';
import { bigIntToIP, canonicalIP, cidrContains, cidrSize, ipToBigInt, parseCIDR, type CIDR } from '../net/ip.js';
import { Controller } from './controller.js';

interface NodeRange {
  cidr: CIDR;
  base: bigint;
  used: Set<bigint>;
  /** host-local's last_reserved_ip: allocation resumes after it. */
  last: bigint;
}

export class PodNetworkController extends Controller {
  readonly name = 'kubelet-cni';
  private readonly ranges = new Map<string, NodeRange>();
  private readonly owners = new Map<string, string>();
  private nodeIPs?: Map<string, string>;
  private readonly early = new Map<string, [string, string][]>();

  start(): void {
    this.store.watch('Node', 0, (ev) => {
      if (ev.type === 'DELETED') return;
      // A node that just got its podCIDR can start the pods waiting on it.
      if (ev.object.spec.podCIDR && !ev.oldObject?.spec.podCIDR) {
        for (const p of this.store.list('Pod')) if (p.spec.nodeName === ev.object.metadata.name && !p.status?.podIP) this.enqueue(keyOf(p));
      }
    });
    this.store.watch('Pod', 0, (ev) => {
      const p = ev.object;
      const key = keyOf(p);
      if (ev.type === 'DELETED') return this.release(p);
      if (ev.oldObject?.status?.podIP && ev.oldObject.status.podIP !== p.status?.podIP) this.release(ev.oldObject);
      if (p.status?.podIP && !p.spec.hostNetwork && p.spec.nodeName) this.reserve(p.spec.nodeName, p.status.podIP, key);
      if (p.spec.nodeName && (!p.status?.podIP || p.status.phase !== 'Running')) this.enqueue(key);
    });
  }

  private range(nodeName: string): NodeRange | undefined {
    let r = this.ranges.get(nodeName);
    if (r) return r;
    const node = this.store.get('Node', undefined, nodeName);
    const cidr = node?.spec.podCIDR ? parseCIDR(node.spec.podCIDR, true) : undefined;
    if (!cidr) return undefined;
    const base = ipToBigInt(cidr.network);
    r = { cidr, base, used: new Set(), last: base + 1n };
    this.ranges.set(nodeName, r);
    // Addresses pods held before the node had its podCIDR (pinned in the topology) are taken.
    for (const [ip, key] of this.early.get(nodeName) ?? []) this.reserve(nodeName, ip, key);
    this.early.delete(nodeName);
    return r;
  }

  private reserve(nodeName: string, ip: string, key: string): void {
    const r = this.range(nodeName);
    if (!r) {
      const list = this.early.get(nodeName) ?? [];
      list.push([ip, key]);
      this.early.set(nodeName, list);
      return;
    }
    const c = canonicalIP(ip);
    if (!c || !cidrContains(r.cidr, c)) return;
    const v = ipToBigInt(c);
    r.used.add(v);
    this.owners.set(`${nodeName}/${v}`, key);
  }

  private release(p: Pod): void {
    const ip = p.status?.podIP;
    if (!ip || p.spec.hostNetwork || !p.spec.nodeName) return;
    const r = this.ranges.get(p.spec.nodeName);
    const c = canonicalIP(ip);
    if (!r || !c) return;
    const v = ipToBigInt(c);
    if (this.owners.get(`${p.spec.nodeName}/${v}`) === keyOf(p)) {
      r.used.delete(v);
      this.owners.delete(`${p.spec.nodeName}/${v}`);
    }
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.store.get('Pod', ns, name);
    if (!pod?.spec.nodeName) return;
    const node = this.store.get('Node', undefined, pod.spec.nodeName)!;
    this.nodeIPs ??= new Map(this.ctx.header.nodes.map((n) => [n.name, n.ip]));
    const nodeIP = this.nodeIPs.get(node.metadata.name) ?? node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    let ip = pod.status?.podIP;
    if (!ip) {
      if (pod.spec.hostNetwork) ip = canonicalIP(nodeIP ?? '');
      else ip = this.allocate(pod);
      if (!ip) return;
    } else if (!pod.spec.hostNetwork) {
      const r = this.range(pod.spec.nodeName);
      if (r && !cidrContains(r.cidr, canonicalIP(ip)!)) {
        this.ctx.fail(pod, ['status', 'podIP'], `${ip} is outside the podCIDR ${r.cidr.network}/${r.cidr.prefix} of node ${pod.spec.nodeName}`);
      }
    }
    const given = pod.status?.conditions;
    const status: PodStatus = {
      ...pod.status,
      phase: pod.status?.phase && pod.status.phase !== 'Pending' ? pod.status.phase : 'Running',
      conditions: given?.length
        ? given
        : ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True' as const })),
      ...(nodeIP ? { hostIP: nodeIP } : {}),
      podIP: ip,
      podIPs: [{ ip }],
    };
    this.store.update({ ...pod, status });
  }

  private allocate(pod: Pod): string | undefined {
    const r = this.range(pod.spec.nodeName!);
    if (!r) return undefined; // waits for the node's podCIDR
    const size = cidrSize(r.cidr);
    const first = r.base + 2n;
    const lastUsable = r.base + size - 2n;
    const span = lastUsable - first + 1n;
    for (let i = 0n; i < span; i++) {
      const cand = first + ((r.last - first + 1n + i) % span + span) % span;
      if (r.used.has(cand)) continue;
      r.used.add(cand);
      r.last = cand;
      const ip = bigIntToIP(cand, r.cidr.family);
      this.owners.set(`${pod.spec.nodeName}/${cand}`, keyOf(pod));
      return ip;
    }
    return this.ctx.fail(pod, ['spec', 'nodeName'], `no free address left in the podCIDR ${r.cidr.network}/${r.cidr.prefix} of node ${pod.spec.nodeName}`);
  }
}

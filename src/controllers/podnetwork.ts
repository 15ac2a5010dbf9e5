// What kubelet and the CNI host-local IPAM plugin do for a pod once it is bound to a node:
// hostNetwork pods take the node's IP; others get the next free address of the node's podCIDR
// after the last one handed out (host-local's round-robin from .2; .1 is cni0), and the pod
// reports Running and Ready.
import { keyOf, type Pod, type PodStatus } from '../api/types.js';
import { bigIntToIP, canonicalIP, cidrContains, cidrSize, ipToBigInt, parseCIDR, type CIDR } from '../net/ip.js';
import { Controller } from './controller.js';

const RUNNING_CONDITIONS = Object.freeze(
  ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => Object.freeze({ type, status: 'True' as const })),
) as PodStatus['conditions'];

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
        for (const p of this.store.list('Pod', { fields: { 'spec.nodeName': ev.object.metadata.name } })) if (!p.status?.podIP) this.enqueue(keyOf(p));
      }
    });
    this.store.watch('Pod', 0, (ev) => {
      const p = ev.object;
      const key = keyOf(p);
      if (ev.type === 'DELETED') return this.release(p);
      const ip = p.status?.podIP;
      const was = ev.oldObject?.status?.podIP;
      if (was && was !== ip) this.release(ev.oldObject!);
      if (ip && ip !== was && !p.spec.hostNetwork && p.spec.nodeName && this.owners.get(`${p.spec.nodeName}/${ip}`) !== key) {
        this.reserve(p.spec.nodeName, ip, key);
      }
      if (p.spec.nodeName && (!ip || p.status?.phase !== 'Running')) this.enqueue(key);
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
    r.used.add(ipToBigInt(c));
    this.owners.set(`${nodeName}/${c}`, key);
  }

  private release(p: Pod): void {
    const ip = p.status?.podIP;
    if (!ip || p.spec.hostNetwork || !p.spec.nodeName) return;
    const r = this.ranges.get(p.spec.nodeName);
    const c = canonicalIP(ip);
    if (!r || !c) return;
    if (this.owners.get(`${p.spec.nodeName}/${c}`) === keyOf(p)) {
      r.used.delete(ipToBigInt(c));
      this.owners.delete(`${p.spec.nodeName}/${c}`);
    }
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.store.get('Pod', ns, name);
    if (!pod?.spec.nodeName) return;
    this.nodeIPs ??= new Map(this.ctx.header.nodes.map((n) => [n.name, n.ip]));
    const nodeIP =
      this.nodeIPs.get(pod.spec.nodeName) ??
      this.store.get('Node', undefined, pod.spec.nodeName)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
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
      conditions: given?.length ? given : RUNNING_CONDITIONS,
      ...(nodeIP ? { hostIP: nodeIP } : {}),
      podIP: ip,
      podIPs: [{ ip }],
    };
    this.store.update({ ...pod, status });
  }

  private allocate(pod: Pod): string | undefined {
    const r = this.range(pod.spec.nodeName!);
    if (!r) return undefined; // waits for the node's podCIDR
    const first = r.base + 2n;
    const lastUsable = r.base + cidrSize(r.cidr) - 2n;
    let cand = r.last;
    for (let tries = lastUsable - first + 1n; tries > 0n; tries--) {
      cand = cand >= lastUsable || cand < first ? first : cand + 1n;
      if (r.used.has(cand)) continue;
      r.used.add(cand);
      r.last = cand;
      const ip = bigIntToIP(cand, r.cidr.family);
      this.owners.set(`${pod.spec.nodeName}/${ip}`, keyOf(pod));
      return ip;
    }
    return this.ctx.fail(pod, ['spec', 'nodeName'], `no free address left in the podCIDR ${r.cidr.network}/${r.cidr.prefix} of node ${pod.spec.nodeName}`);
  }
}

// What kubelet and the CNI host-local IPAM plugin do for a pod once it is bound to a node:
// hostNetwork pods take the node's IP; others get the next free address of the node's podCIDR
// after the last one handed out (host-local's round-robin from .2; .1 is cni0), and the pod
// reports Running and Ready.
import { keyOf, type Pod, type PodStatus } from '../api/types.js';
import { bigIntToIP, canonicalIP, cidrContains, cidrSize, formatCIDR, ipFamily, ipToBigInt, parseCIDR, type CIDR } from '../net/ip.js';
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
  /** Per node, one range per podCIDR (dual-stack: IPv4 then IPv6, as the node lists them). */
  private readonly ranges = new Map<string, NodeRange[]>();
  private readonly owners = new Map<string, string>();
  private nodeIPs?: Map<string, string[]>;
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
      const ips = ipsOf(p);
      const was = ev.oldObject ? ipsOf(ev.oldObject) : [];
      if (was.some((ip) => !ips.includes(ip))) this.release(ev.oldObject!);
      if (!p.spec.hostNetwork && p.spec.nodeName) {
        for (const ip of ips) if (!was.includes(ip) && this.owners.get(`${p.spec.nodeName}/${ip}`) !== key) this.reserve(p.spec.nodeName, ip, key);
      }
      if (p.spec.nodeName && (!ips.length || p.status?.phase !== 'Running' || this.missing(p).length)) this.enqueue(key);
    });
  }

  private rangesOf(nodeName: string): NodeRange[] | undefined {
    let rs = this.ranges.get(nodeName);
    if (rs) return rs;
    const node = this.store.get('Node', undefined, nodeName);
    const cidrs = (node?.spec.podCIDRs ?? (node?.spec.podCIDR ? [node.spec.podCIDR] : [])).map((c) => parseCIDR(c, true)).filter((c): c is CIDR => !!c);
    if (!cidrs.length) return undefined;
    rs = cidrs.map((cidr) => {
      const base = ipToBigInt(cidr.network);
      return { cidr, base, used: new Set<bigint>(), last: base + 1n };
    });
    this.ranges.set(nodeName, rs);
    // Addresses pods held before the node had its podCIDR (pinned in the topology) are taken.
    for (const [ip, key] of this.early.get(nodeName) ?? []) this.reserve(nodeName, ip, key);
    this.early.delete(nodeName);
    return rs;
  }

  /** The node's ranges of families the pod has no address in yet (a pinned IPv4 pod on a dual-stack node). */
  private missing(pod: Pod): NodeRange[] {
    if (pod.spec.hostNetwork || !pod.spec.nodeName) return [];
    const have = ipsOf(pod).map((ip) => ipFamily(canonicalIP(ip) ?? ''));
    return (this.rangesOf(pod.spec.nodeName) ?? []).filter((r) => !have.includes(r.cidr.family));
  }

  private reserve(nodeName: string, ip: string, key: string): void {
    const rs = this.rangesOf(nodeName);
    if (!rs) {
      const list = this.early.get(nodeName) ?? [];
      list.push([ip, key]);
      this.early.set(nodeName, list);
      return;
    }
    const c = canonicalIP(ip);
    const r = c ? rs.find((x) => cidrContains(x.cidr, c)) : undefined;
    if (!r) return;
    r.used.add(ipToBigInt(c!));
    this.owners.set(`${nodeName}/${c}`, key);
  }

  private release(p: Pod): void {
    if (p.spec.hostNetwork || !p.spec.nodeName) return;
    for (const ip of ipsOf(p)) {
      const c = canonicalIP(ip);
      const r = c ? this.ranges.get(p.spec.nodeName)?.find((x) => cidrContains(x.cidr, c)) : undefined;
      if (!r || this.owners.get(`${p.spec.nodeName}/${c}`) !== keyOf(p)) continue;
      r.used.delete(ipToBigInt(c!));
      this.owners.delete(`${p.spec.nodeName}/${c}`);
    }
  }

  private hostIPs(nodeName: string): string[] {
    const dual = this.ctx.networking.podSubnets.length > 1;
    this.nodeIPs ??= new Map(this.ctx.header.nodes.map((n) => [n.name, dual ? nodeAddresses(n) : [canonicalIP(n.ip) ?? n.ip]]));
    const given = this.nodeIPs.get(nodeName);
    if (given) return given;
    const ip = this.store.get('Node', undefined, nodeName)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    return ip ? [ip] : [];
  }

  protected sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.store.get('Pod', ns, name);
    if (!pod?.spec.nodeName) return;
    const hostIPs = this.hostIPs(pod.spec.nodeName);
    let ips = ipsOf(pod);
    if (!ips.length && pod.spec.hostNetwork) ips = hostIPs.map((ip) => canonicalIP(ip)!);
    else if (!pod.spec.hostNetwork) {
      const rs = this.rangesOf(pod.spec.nodeName);
      if (!rs) return; // waits for the node's podCIDR
      for (const ip of ips) {
        if (!rs.some((r) => cidrContains(r.cidr, canonicalIP(ip)!))) {
          this.ctx.fail(pod, ['status', 'podIP'], `${ip} is outside the podCIDR ${rs.map((r) => formatCIDR(r.cidr)).join(', ')} of node ${pod.spec.nodeName}`);
        }
      }
      // host-local hands out one address per range set, in the conflist's order (the node's podCIDRs').
      const added = this.missing(pod).map((r) => this.allocate(pod, r));
      ips = [...ips, ...added].sort((a, b) => rs.findIndex((r) => cidrContains(r.cidr, a)) - rs.findIndex((r) => cidrContains(r.cidr, b)));
    }
    if (!ips.length) return;
    const given = pod.status?.conditions;
    const status: PodStatus = {
      ...pod.status,
      phase: pod.status?.phase && pod.status.phase !== 'Pending' ? pod.status.phase : 'Running',
      conditions: given?.length ? given : RUNNING_CONDITIONS,
      ...(hostIPs[0] ? { hostIP: hostIPs[0] } : {}),
      podIP: ips[0],
      podIPs: ips.map((ip) => ({ ip })),
    };
    this.store.update({ ...pod, status });
  }

  private allocate(pod: Pod, r: NodeRange): string {
    const first = r.base + 2n;
    const lastUsable = r.base + cidrSize(r.cidr) - (r.cidr.family === 4 ? 2n : 1n);
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
    return this.ctx.fail(pod, ['spec', 'nodeName'], `no free address left in the podCIDR ${formatCIDR(r.cidr)} of node ${pod.spec.nodeName}`);
  }
}

/** The pod's addresses as status lists them (podIPs, else podIP). */
function ipsOf(p: Pod): string[] {
  const list = p.status?.podIPs?.map((x) => x.ip) ?? [];
  return list.length ? list : p.status?.podIP ? [p.status.podIP] : [];
}

/** A node's InternalIPs: its header IP and, dual-stack, its eth0 address of the other family (kubelet --node-ip=v4,v6). */
export function nodeAddresses(n: { ip: string; interfaces: Record<string, string[]> }): string[] {
  const primary = canonicalIP(n.ip) ?? n.ip;
  const fam = ipFamily(primary);
  const other = (n.interfaces.eth0 ?? [])
    .map((a) => canonicalIP(a.split('/')[0]!))
    .find((ip): ip is string => !!ip && ipFamily(ip) !== fam && !ip.startsWith('fe80:'));
  return other ? [primary, other] : [primary];
}

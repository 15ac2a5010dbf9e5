// What kubelet and the CNI host-local IPAM plugin do for a pod once it is bound to a node:
// hostNetwork pods take the node's IP; others get the next free address of the node's podCIDR
// after the last one handed out (host-local's round-robin from .2; .1 is cni0), and the pod
// reports Running and Ready.
import { copyOf } from '../api/copy.js';
import { keyOf, type Pod, type PodStatus } from '../api/types.js';
import { bigIntToIP, canonicalIP, cidrContains, cidrSize, formatCIDR, intToIpv4, ipFamily, ipToBigInt, ipv4ToInt, parseCIDR, type CIDR } from '../net/ip.js';
import { Controller } from './controller.js';

const RUNNING_CONDITIONS = Object.freeze(
  ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => Object.freeze({ type, status: 'True' as const })),
) as PodStatus['conditions'];

interface NodeRange {
  cidr: CIDR;
  base: bigint;
  /** The usable addresses: from .2 (.1 is the bridge's) to the last before broadcast. */
  first: bigint;
  lastUsable: bigint;
  /** Address (a number in an IPv4 range: BigInt keys hash slowly) → the key of the pod holding it. */
  owners: Map<number | bigint, string>;
  /** host-local's last_reserved_ip: allocation resumes after it. */
  last: bigint;
}

export class PodNetworkController extends Controller {
  readonly name = 'kubelet-cni';
  /** Per node, one range per podCIDR (dual-stack: IPv4 then IPv6, as the node lists them). */
  private readonly ranges = new Map<string, NodeRange[]>();
  private nodeIPs?: Map<string, string[]>;
  private readonly early = new Map<string, [string, string][]>();
  /** The status sync() is writing: its addresses are reserved already and none is missing. */
  private writing?: PodStatus;

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
      if (ev.type === 'DELETED') return this.release(p);
      // A pod on no node, before and after, holds and needs no address.
      if (!p.spec.nodeName && !ev.oldObject?.spec.nodeName) return;
      const key = ev.key;
      if (p.status && p.status === this.writing) {
        if (p.status.phase !== 'Running') this.enqueue(key);
        return;
      }
      const ips = ipsOf(p);
      // The same status (a binding) holds the same addresses: nothing to release or reserve.
      if (p.status !== ev.oldObject?.status) {
        const was = ev.oldObject ? ipsOf(ev.oldObject) : [];
        if (was.some((ip) => !ips.includes(ip))) this.release(ev.oldObject!);
        if (!p.spec.hostNetwork && p.spec.nodeName) {
          for (const ip of ips) if (!was.includes(ip) && this.ownerOf(p.spec.nodeName, ip) !== key) this.reserve(p.spec.nodeName, ip, key);
        }
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
      const lastUsable = base + cidrSize(cidr) - (cidr.family === 4 ? 2n : 1n);
      return { cidr, base, first: base + 2n, lastUsable, owners: new Map<number | bigint, string>(), last: base + 1n };
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
    const rs = this.rangesOf(pod.spec.nodeName);
    if (!rs) return [];
    const ips = ipsOf(pod);
    if (!ips.length) return rs;
    const have = ips.map((ip) => ipFamily(canonicalIP(ip) ?? ''));
    return rs.length === 1 && have.includes(rs[0]!.cidr.family) ? [] : rs.filter((r) => !have.includes(r.cidr.family));
  }

  /** The range of the node's that holds `ip` (canonical), if any. */
  private rangeOf(nodeName: string, ip: string): NodeRange | undefined {
    return this.ranges.get(nodeName)?.find((x) => cidrContains(x.cidr, ip));
  }

  private ownerOf(nodeName: string, ip: string): string | undefined {
    const c = canonicalIP(ip);
    if (!c) return undefined;
    const r = this.rangeOf(nodeName, c);
    return r?.owners.get(addressKey(r, c));
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
    r.owners.set(addressKey(r, c!), key);
  }

  private release(p: Pod): void {
    if (p.spec.hostNetwork || !p.spec.nodeName) return;
    for (const ip of ipsOf(p)) {
      const c = canonicalIP(ip);
      const r = c ? this.rangeOf(p.spec.nodeName, c) : undefined;
      if (!r) continue;
      const v = addressKey(r, c!);
      if (r.owners.get(v) === keyOf(p)) r.owners.delete(v);
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
    const pod = this.store.getByKey('Pod', key);
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
      const added = this.missing(pod).map((r) => this.allocate(pod, r, key));
      const all = ips.length ? [...ips, ...added] : added;
      ips = all;
      if (all.length > 1) all.sort((a, b) => rs.findIndex((r) => cidrContains(r.cidr, a)) - rs.findIndex((r) => cidrContains(r.cidr, b)));
    }
    if (!ips.length) return;
    const given = pod.status?.conditions;
    // withFields(pod.status, { phase, conditions, … }) written out: no patch object per pod.
    const status: PodStatus = pod.status ? copyOf(pod.status) : {};
    status.phase = pod.status?.phase && pod.status.phase !== 'Pending' ? pod.status.phase : 'Running';
    status.conditions = given?.length ? given : RUNNING_CONDITIONS;
    if (hostIPs[0]) status.hostIP = hostIPs[0];
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
    this.writing = status;
    try {
      const next = copyOf(pod);
      next.status = status;
      this.store.update(next);
    } finally {
      this.writing = undefined;
    }
  }

  private allocate(pod: Pod, r: NodeRange, key: string): string {
    if (r.cidr.family === 4) {
      // host-local's walk in plain numbers (the same addresses, no BigInt per step)
      const first = Number(r.first);
      const lastUsable = Number(r.lastUsable);
      let cand = Number(r.last);
      for (let tries = lastUsable - first + 1; tries > 0; tries--) {
        cand = cand >= lastUsable || cand < first ? first : cand + 1;
        if (r.owners.has(cand)) continue;
        r.owners.set(cand, key);
        r.last = BigInt(cand);
        return intToIpv4(cand);
      }
      return this.ctx.fail(pod, ['spec', 'nodeName'], `no free address left in the podCIDR ${formatCIDR(r.cidr)} of node ${pod.spec.nodeName}`);
    }
    const { first, lastUsable } = r;
    let cand = r.last;
    for (let tries = lastUsable - first + 1n; tries > 0n; tries--) {
      cand = cand >= lastUsable || cand < first ? first : cand + 1n;
      if (r.owners.has(cand)) continue;
      r.owners.set(cand, key);
      r.last = cand;
      return bigIntToIP(cand, r.cidr.family);
    }
    return this.ctx.fail(pod, ['spec', 'nodeName'], `no free address left in the podCIDR ${formatCIDR(r.cidr)} of node ${pod.spec.nodeName}`);
  }
}

/** A canonical address of the range's family as its owners map keys it. */
function addressKey(r: NodeRange, ip: string): number | bigint {
  return r.cidr.family === 4 ? ipv4ToInt(ip) : ipToBigInt(ip);
}

/** The pod's addresses as status lists them (podIPs, else podIP). */
function ipsOf(p: Pod): readonly string[] {
  const list = p.status?.podIPs;
  if (list?.length) return list.map((x) => x.ip);
  return p.status?.podIP ? [p.status.podIP] : NO_IPS;
}

const NO_IPS: readonly string[] = Object.freeze([]);

/** A node's InternalIPs: its header IP and, dual-stack, its eth0 address of the other family (kubelet --node-ip=v4,v6). */
export function nodeAddresses(n: { ip: string; interfaces: Record<string, string[]> }): string[] {
  const primary = canonicalIP(n.ip) ?? n.ip;
  const fam = ipFamily(primary);
  const other = (n.interfaces.eth0 ?? [])
    .map((a) => canonicalIP(a.split('/')[0]!))
    .find((ip): ip is string => !!ip && ipFamily(ip) !== fam && !ip.startsWith('fe80:'));
  return other ? [primary, other] : [primary];
}

// kube-apiserver's Service defaulting and its ClusterIP and NodePort allocators. knet hands out
// addresses upward instead of at random so every run agrees: `kubernetes` takes the first
// address of the service range, kube-dns the tenth (kubeadm pins it there), others the lowest
// free one; nodePorts go upward from the start of the node port range.
import { copyOf, withFields } from '../api/copy.js';
import type { Service, ServiceSpec } from '../api/types.js';
import { canonicalIP, cidrSize, ipToBigInt, bigIntToIP, parseCIDR, type CIDR } from '../net/ip.js';
import { sameJSON } from '../api/same-json.js';
import { Controller } from './controller.js';

export const KUBE_DNS_INDEX = 10n;

type Fam = 'IPv4' | 'IPv6';
const familyName = (ipOrCidr: string): Fam => (ipOrCidr.includes(':') ? 'IPv6' : 'IPv4');

function needsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

export class ServiceAllocController extends Controller {
  readonly name = 'service-allocator';
  private readonly ips = new Map<string, string>();
  private readonly ports = new Map<number, string>();
  private readonly nextIndex = new Map<Fam, bigint>();
  private nextPort = 0;
  private readonly ranges = new Map<Fam, CIDR>();
  private apiserver?: boolean;
  /** The spec sync() is writing: defaulted and allocated already, so its event needs no second sync. */
  private writing?: ServiceSpec;

  start(): void {
    this.store.watch('Service', 0, (ev) => {
      const key = ev.key;
      for (const ip of this.ipsOf(ev.oldObject ?? ev.object)) if (this.ips.get(ip) === key) this.ips.delete(ip);
      for (const p of this.portsOf(ev.oldObject ?? ev.object)) if (this.ports.get(p) === key) this.ports.delete(p);
      if (ev.type === 'DELETED') return;
      for (const ip of this.ipsOf(ev.object)) this.ips.set(ip, key);
      for (const p of this.portsOf(ev.object)) this.ports.set(p, key);
      if (ev.object.spec !== this.writing) this.enqueue(key);
    });
  }

  private ipsOf(s: Service): string[] {
    const all = [...(s.spec.clusterIPs ?? []), ...(s.spec.clusterIP ? [s.spec.clusterIP] : [])];
    return all.filter((ip) => ip && ip !== 'None').map((ip) => canonicalIP(ip) ?? ip);
  }

  private portsOf(s: Service): number[] {
    const out = (s.spec.ports ?? []).map((p) => p.nodePort).filter((p): p is number => !!p);
    if (s.spec.healthCheckNodePort) out.push(s.spec.healthCheckNodePort);
    return out;
  }

  protected sync(key: string): void {
    // Without a control-plane node there is no kube-apiserver to default or allocate anything:
    // Services stay exactly as written, the way kube-proxy's own test cases build them.
    this.apiserver ??= this.ctx.header.nodes.some((n) => n.roles.includes('control-plane') || n.roles.includes('master'));
    if (!this.apiserver) return;
    const svc = this.store.getByKey('Service', key);
    if (!svc) return;
    const ns = svc.metadata.namespace;
    const name = svc.metadata.name;
    const spec: ServiceSpec = copyOf(svc.spec);
    const type = spec.type ?? 'ClusterIP';
    spec.type = type;
    spec.sessionAffinity ??= 'None';
    if (type !== 'ExternalName') {
      spec.ports = (spec.ports ?? []).map((p) => withFields(p, { protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port }));
      spec.internalTrafficPolicy ??= 'Cluster';
      if (type === 'NodePort' || type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
      if (spec.clusterIP !== 'None') {
        const given = spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []);
        const families = this.families(svc, spec, given);
        const isDNS = ns === 'kube-system' && name === 'kube-dns';
        const ips = families.map((f, i) => given.find((ip) => familyName(ip) === f) ?? this.allocateIP(key, f, isDNS && i === 0));
        spec.clusterIP = ips[0];
        spec.clusterIPs = ips;
        spec.ipFamilies = families;
      }
      spec.ipFamilyPolicy ??= 'SingleStack';
      if (needsNodePorts(spec)) {
        spec.ports = spec.ports.map((p) => (p.nodePort ? p : withFields(p, { nodePort: this.allocatePort(key) })));
      }
      if (type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !spec.healthCheckNodePort) {
        spec.healthCheckNodePort = this.allocatePort(key);
      }
    }
    if (sameJSON(spec, svc.spec)) return;
    this.writing = spec;
    try {
      this.store.update(withFields(svc, { spec }));
    } finally {
      this.writing = undefined;
    }
  }

  /** The configured service families, primary first (kube-apiserver's --service-cluster-ip-range). */
  private configured(): Fam[] {
    return this.ctx.networking.serviceSubnets.map(familyName);
  }

  /** kube-apiserver's family defaulting: the given ipFamilies or clusterIPs, else by ipFamilyPolicy. */
  private families(svc: Service, spec: ServiceSpec, given: string[]): Fam[] {
    const cfg = this.configured();
    const want: Fam[] = spec.ipFamilies?.length ? [...spec.ipFamilies] : given.map(familyName);
    for (const f of want) {
      if (!cfg.includes(f)) this.ctx.fail(svc, ['spec', 'ipFamilies'], `${f} is not configured on this cluster (service subnets: ${this.ctx.networking.serviceSubnets.join(', ')})`);
    }
    const policy = spec.ipFamilyPolicy ?? 'SingleStack';
    if (policy === 'RequireDualStack' && cfg.length < 2) {
      this.ctx.fail(svc, ['spec', 'ipFamilyPolicy'], 'RequireDualStack: this cluster is not configured for dual-stack services');
    }
    if (!want.length) want.push(cfg[0]!);
    if (policy !== 'SingleStack' && want.length < 2) want.push(...cfg.filter((f) => !want.includes(f)).slice(0, 1));
    return policy === 'SingleStack' ? want.slice(0, 1) : want.slice(0, 2);
  }

  private range(family: Fam): CIDR {
    let r = this.ranges.get(family);
    if (!r) this.ranges.set(family, (r = parseCIDR(this.ctx.networking.serviceSubnets.find((s) => familyName(s) === family)!)!));
    return r;
  }

  private allocateIP(key: string, family: Fam, isDNS: boolean): string {
    const r = this.range(family);
    const base = ipToBigInt(r.network);
    if (isDNS) {
      const ip = bigIntToIP(base + KUBE_DNS_INDEX, r.family);
      if (!this.ips.has(ip)) return this.take(ip, key);
    }
    const size = cidrSize(r);
    for (let i = this.nextIndex.get(family) ?? 1n; i < size - 1n; i++) {
      if (i === KUBE_DNS_INDEX && !isDNS) continue;
      const ip = bigIntToIP(base + i, r.family);
      if (this.ips.has(ip)) continue;
      this.nextIndex.set(family, i + 1n);
      return this.take(ip, key);
    }
    const svc = this.store.get('Service', ...(key.split('/') as [string, string]))!;
    return this.ctx.fail(svc, ['spec', 'clusterIP'], `no free address left in the service subnet ${r.network}/${r.prefix}`);
  }

  private take(ip: string, key: string): string {
    this.ips.set(ip, key);
    return ip;
  }

  private allocatePort(key: string): number {
    const { min, max } = this.ctx.networking.nodePortRange;
    for (let p = Math.max(min, this.nextPort); p <= max; p++) {
      if (this.ports.has(p)) continue;
      this.ports.set(p, key);
      this.nextPort = p + 1;
      return p;
    }
    const svc = this.store.get('Service', ...(key.split('/') as [string, string]))!;
    return this.ctx.fail(svc, ['spec', 'ports'], `no free node port left in ${min}-${max}`);
  }
}

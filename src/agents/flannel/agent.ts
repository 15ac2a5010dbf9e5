// flanneld in --kube-subnet-mgr mode on one node: its lease is its Node's podCIDR; it sets up the
// backend, writes /run/flannel/subnet.env, publishes its lease attributes as Node annotations,
// and programs a path to every other node whose annotations describe a lease of the same backend.
import { InputError } from '../../api/errors.js';
import type { WatchEvent } from '../../api/store.js';
import type { Node } from '../../api/types.js';
import type { NodeKernel } from '../../kernel/node.js';
import { cidrContains, parseCIDR, type CIDR } from '../../net/ip.js';
import type { AgentContext } from '../context.js';
import type { ExternalInterface, FlannelBackend, RemoteLease } from './backend.js';
import { HostGwBackend } from './hostgw.js';
import { flannelIptablesRules, type IptablesRestoreLines } from './rules.js';
import { flannelSettings, type FlannelSettings } from './settings.js';
import { SUBNET_ENV_PATH, renderSubnetEnv } from './subnet-env.js';
import { VxlanBackend } from './vxlan.js';

export const ANNOTATION_PREFIX = 'flannel.alpha.coreos.com';
export const BACKEND_DATA = `${ANNOTATION_PREFIX}/backend-data`;
export const BACKEND_V6_DATA = `${ANNOTATION_PREFIX}/backend-v6-data`;
export const BACKEND_TYPE = `${ANNOTATION_PREFIX}/backend-type`;
export const KUBE_SUBNET_MANAGER = `${ANNOTATION_PREFIX}/kube-subnet-manager`;
export const PUBLIC_IP = `${ANNOTATION_PREFIX}/public-ip`;
export const PUBLIC_IPV6 = `${ANNOTATION_PREFIX}/public-ipv6`;

type Fam = 4 | 6;

/** The node's podCIDR of a family (dual-stack nodes list one of each in spec.podCIDRs). */
function podCIDROf(n: Node, family: Fam): CIDR | undefined {
  const all = n.spec.podCIDRs?.length ? n.spec.podCIDRs : n.spec.podCIDR ? [n.spec.podCIDR] : [];
  return all.map((c) => parseCIDR(c, true)).find((c): c is CIDR => !!c && c.family === family);
}

/** Each Node version's lease per family, read once for every node's flanneld (a stored object is never changed, only replaced). */
const leases = { 4: new WeakMap<Node, RemoteLease | undefined>(), 6: new WeakMap<Node, RemoteLease | undefined>() };

/** A remote node's lease of one family, or undefined while its flanneld has not published one. */
export function leaseOf(n: Node, family: Fam = 4): RemoteLease | undefined {
  const known = leases[family];
  if (known.has(n)) return known.get(n);
  const lease = readLease(n, family);
  known.set(n, lease);
  return lease;
}

function readLease(n: Node, family: Fam): RemoteLease | undefined {
  const a = n.metadata.annotations ?? {};
  const c = podCIDROf(n, family);
  const type = a[BACKEND_TYPE];
  const publicIP = a[family === 4 ? PUBLIC_IP : PUBLIC_IPV6];
  const data = a[family === 4 ? BACKEND_DATA : BACKEND_V6_DATA];
  if (!c || !type || !publicIP || data === undefined) return undefined;
  let vtepMAC: string | undefined;
  try {
    const d = JSON.parse(data) as { VtepMAC?: unknown } | null;
    if (d && typeof d.VtepMAC === 'string') vtepMAC = d.VtepMAC;
  } catch {
    return undefined;
  }
  return { node: n.metadata.name, subnet: `${c.network}/${c.prefix}`, publicIP, backendType: type, ...(vtepMAC ? { vtepMAC } : {}) };
}

function sameLease(a: RemoteLease, b: RemoteLease): boolean {
  return a.subnet === b.subnet && a.publicIP === b.publicIP && a.backendType === b.backendType && a.vtepMAC === b.vtepMAC;
}

/** One family's overlay: its network, backend, this node's lease and the paths to the others. */
interface Overlay {
  family: Fam;
  network: string;
  backend: FlannelBackend;
  lease?: string;
  programmed: Map<string, RemoteLease>;
  seen: Map<string, RemoteLease>;
}

export class FlannelAgent {
  readonly settings: FlannelSettings;
  private readonly overlays: Overlay[] = [];

  constructor(
    private readonly ctx: AgentContext,
    private readonly kernel: NodeKernel,
    readonly ext: ExternalInterface,
  ) {
    this.settings = flannelSettings(ctx);
    const b = this.settings.backend;
    const make = (family: Fam): FlannelBackend =>
      b.type === 'vxlan'
        ? new VxlanBackend(kernel.nodeName, ext, { vni: b.vni, port: b.port, directRouting: b.directRouting, family, ...(b.mtu ? { mtu: b.mtu } : {}) })
        : new HostGwBackend(ext);
    const overlay = (family: Fam, network: string): Overlay => ({ family, network, backend: make(family), programmed: new Map(), seen: new Map() });
    const conf = ctx.topology.flannel;
    if (conf.enableIPv4) this.overlays.push(overlay(4, this.settings.network));
    if (conf.enableIPv6 && conf.ipv6Network) {
      if (!ext.ip6) throw new InputError(`flanneld on node ${kernel.nodeName}: EnableIPv6 is set but ${ext.dev} has no global IPv6 address (flanneld: no IPv6 address found for given interface)`);
      this.overlays.push(overlay(6, conf.ipv6Network));
    }
  }

  /** The IPv4 backend (or the only one). */
  get backend(): FlannelBackend {
    return this.overlays[0]!.backend;
  }

  /** This node's IPv4 lease once acquired. */
  get lease(): string | undefined {
    return this.overlays.find((o) => o.family === 4)?.lease;
  }

  /**
   * Publishes this node's lease on its Node object once the node has a podCIDR. That is cluster
   * state other nodes read, so it runs from the start even while the kernel side (`start`)
   * waits until something reads the node. Returns the unsubscribe function.
   */
  announce(): () => void {
    const fields = { 'metadata.name': this.kernel.nodeName };
    return this.ctx.store.watch(
      'Node',
      0,
      (ev) => {
        if (ev.type !== 'DELETED' && this.overlays.every((o) => this.leaseFor(ev.object, o))) this.publish(ev.object);
      },
      { fields },
    );
  }

  /** Starts programming the kernel from the Nodes (this one's lease, a path per remote lease); returns the unsubscribe function. */
  start(): () => void {
    return this.ctx.store.watch('Node', 0, (ev) => this.onNode(ev));
  }

  /**
   * The rules flanneld keeps in iptables (family 4) or ip6tables (6) for this node, as
   * iptables-restore lines per table (none before the lease is acquired).
   */
  iptablesRules(randomFullySupported: boolean, family: Fam = 4): IptablesRestoreLines {
    const o = this.overlays.find((x) => x.family === family);
    if (!o?.lease) return { nat: [], filter: [] };
    return flannelIptablesRules({
      network: o.network,
      lease: o.lease,
      ipMasq: this.settings.ipMasq,
      forwardRules: this.settings.forwardRules,
      randomFully: randomFullySupported && !this.settings.randomFullyDisable,
      family,
    });
  }

  private onNode(ev: WatchEvent<'Node'>): void {
    const n = ev.object;
    const name = n.metadata.name;
    if (name === this.kernel.nodeName) {
      if (ev.type !== 'DELETED') this.acquire(n);
      return;
    }
    for (const o of this.overlays) {
      const lease = ev.type === 'DELETED' ? undefined : leaseOf(n, o.family);
      if (lease) o.seen.set(name, lease);
      else o.seen.delete(name);
      this.sync(o, name);
    }
  }

  /** The node's lease of a family: its podCIDR of that family, which must lie in the flannel network (none before node IPAM ran). */
  private leaseFor(n: Node, o: Overlay): string | undefined {
    const c = podCIDROf(n, o.family);
    if (!c) return undefined; // flanneld waits for the node IPAM controller
    const net = parseCIDR(o.network)!;
    if (!(net.prefix <= c.prefix && cidrContains(net, c.network))) {
      const what = o.family === 4 ? 'PodCIDR' : 'IPv6 PodCIDR';
      throw new InputError(
        `flanneld on node ${n.metadata.name}: subnet "${o.network}" specified in the flannel net config doesn't contain "${c.network}/${c.prefix}" ${what} of the "${n.metadata.name}" node`,
      );
    }
    return `${c.network}/${c.prefix}`;
  }

  private acquire(n: Node): void {
    const leases = this.overlays.map((o) => this.leaseFor(n, o));
    if (leases.some((l) => !l)) return;
    if (this.overlays.every((o, i) => o.lease === leases[i])) return;
    this.overlays.forEach((o, i) => {
      if (o.lease === leases[i]) return;
      o.lease = leases[i]!;
      o.backend.setup(this.kernel, o.lease);
    });
    const v4 = this.overlays.find((o) => o.family === 4);
    const v6 = this.overlays.find((o) => o.family === 6);
    this.kernel.files.set(
      SUBNET_ENV_PATH,
      renderSubnetEnv({
        ...(v4 ? { network: v4.network, subnet: v4.lease } : {}),
        ...(v6 ? { ipv6Network: v6.network, ipv6Subnet: v6.lease } : {}),
        mtu: this.backend.mtu,
        ipMasq: this.settings.ipMasq,
      }),
    );
    for (const o of this.overlays) for (const name of o.seen.keys()) this.sync(o, name);
  }

  /** Writes the lease attributes and the NetworkUnavailable=False condition onto our Node, if not there yet. */
  private publish(n: Node): void {
    const want: Record<string, string> = { [BACKEND_TYPE]: this.backend.type, [KUBE_SUBNET_MANAGER]: 'true' };
    for (const o of this.overlays) {
      want[o.family === 4 ? BACKEND_DATA : BACKEND_V6_DATA] = o.backend.backendData();
      want[o.family === 4 ? PUBLIC_IP : PUBLIC_IPV6] = o.family === 4 ? this.ext.ip : this.ext.ip6!;
    }
    const have = n.metadata.annotations ?? {};
    const cond = n.status?.conditions?.find((c) => c.type === 'NetworkUnavailable');
    if (Object.entries(want).every(([k, v]) => have[k] === v) && cond?.status === 'False') return;
    const networkUp = { type: 'NetworkUnavailable', status: 'False', reason: 'FlannelIsUp', message: 'Flannel is running on this node' };
    const conditions = [networkUp, ...(n.status?.conditions ?? []).filter((c) => c.type !== 'NetworkUnavailable')];
    const fresh = this.ctx.store.get('Node', undefined, n.metadata.name)!;
    this.ctx.store.update({
      ...fresh,
      metadata: { ...fresh.metadata, annotations: { ...fresh.metadata.annotations, ...sortedKeys(want) } },
      status: { ...fresh.status, conditions },
    });
  }

  /** Brings the kernel in line with what we know of one remote node. */
  private sync(o: Overlay, name: string): void {
    if (!o.lease) return;
    const want = o.seen.get(name);
    const have = o.programmed.get(name);
    if (have && want && sameLease(have, want)) return;
    if (have) {
      o.backend.remove(this.kernel, have);
      o.programmed.delete(name);
    }
    if (want && want.backendType === o.backend.type) {
      o.backend.add(this.kernel, want);
      o.programmed.set(name, want);
    }
  }
}

/** Annotations in key order, as the API server's JSON (a Go map) returns them. */
function sortedKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// flanneld in --kube-subnet-mgr mode on one node: its lease is its Node's podCIDR; it sets up the
// backend, writes /run/flannel/subnet.env, publishes its lease attributes as Node annotations,
// and programs a path to every other node whose annotations describe a lease of the same backend.
import { InputError } from '../../api/errors.js';
import type { WatchEvent } from '../../api/store.js';
import type { Node } from '../../api/types.js';
import type { NodeKernel } from '../../kernel/node.js';
import { cidrContains, parseCIDR } from '../../net/ip.js';
import type { AgentContext } from '../context.js';
import type { ExternalInterface, FlannelBackend, RemoteLease } from './backend.js';
import { HostGwBackend } from './hostgw.js';
import { flannelIptablesRules, type IptablesRestoreLines } from './rules.js';
import { flannelSettings, type FlannelSettings } from './settings.js';
import { SUBNET_ENV_PATH, renderSubnetEnv } from './subnet-env.js';
import { VxlanBackend } from './vxlan.js';

export const ANNOTATION_PREFIX = 'flannel.alpha.coreos.com';
export const BACKEND_DATA = `${ANNOTATION_PREFIX}/backend-data`;
export const BACKEND_TYPE = `${ANNOTATION_PREFIX}/backend-type`;
export const KUBE_SUBNET_MANAGER = `${ANNOTATION_PREFIX}/kube-subnet-manager`;
export const PUBLIC_IP = `${ANNOTATION_PREFIX}/public-ip`;

/** A remote node's lease, or undefined while its flanneld has not published one. */
export function leaseOf(n: Node): RemoteLease | undefined {
  const a = n.metadata.annotations ?? {};
  const subnet = n.spec.podCIDR;
  const type = a[BACKEND_TYPE];
  const publicIP = a[PUBLIC_IP];
  if (!subnet || !type || !publicIP || a[BACKEND_DATA] === undefined) return undefined;
  const c = parseCIDR(subnet, true);
  if (!c) return undefined;
  let vtepMAC: string | undefined;
  try {
    const data = JSON.parse(a[BACKEND_DATA]!) as { VtepMAC?: unknown } | null;
    if (data && typeof data.VtepMAC === 'string') vtepMAC = data.VtepMAC;
  } catch {
    return undefined;
  }
  return { node: n.metadata.name, subnet: `${c.network}/${c.prefix}`, publicIP, backendType: type, ...(vtepMAC ? { vtepMAC } : {}) };
}

function sameLease(a: RemoteLease, b: RemoteLease): boolean {
  return a.subnet === b.subnet && a.publicIP === b.publicIP && a.backendType === b.backendType && a.vtepMAC === b.vtepMAC;
}

export class FlannelAgent {
  readonly settings: FlannelSettings;
  readonly backend: FlannelBackend;
  /** This node's lease once acquired. */
  lease?: string;
  private readonly programmed = new Map<string, RemoteLease>();
  private readonly seen = new Map<string, RemoteLease>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly kernel: NodeKernel,
    readonly ext: ExternalInterface,
  ) {
    this.settings = flannelSettings(ctx);
    const b = this.settings.backend;
    this.backend =
      b.type === 'vxlan'
        ? new VxlanBackend(kernel.nodeName, ext, { vni: b.vni, port: b.port, directRouting: b.directRouting, ...(b.mtu ? { mtu: b.mtu } : {}) })
        : new HostGwBackend(ext);
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
        if (ev.type !== 'DELETED' && this.leaseFor(ev.object)) this.publish(ev.object);
      },
      { fields },
    );
  }

  /** Starts programming the kernel from the Nodes (this one's lease, a path per remote lease); returns the unsubscribe function. */
  start(): () => void {
    return this.ctx.store.watch('Node', 0, (ev) => this.onNode(ev));
  }

  /**
   * The rules flanneld keeps in iptables for this node, as iptables-restore lines per table
   * (none before the lease is acquired).
   */
  iptablesRules(randomFullySupported: boolean): IptablesRestoreLines {
    if (!this.lease) return { nat: [], filter: [] };
    return flannelIptablesRules({
      network: this.settings.network,
      lease: this.lease,
      ipMasq: this.settings.ipMasq,
      forwardRules: this.settings.forwardRules,
      randomFully: randomFullySupported && !this.settings.randomFullyDisable,
    });
  }

  private onNode(ev: WatchEvent<'Node'>): void {
    const n = ev.object;
    const name = n.metadata.name;
    if (name === this.kernel.nodeName) {
      if (ev.type !== 'DELETED') this.acquire(n);
      return;
    }
    const lease = ev.type === 'DELETED' ? undefined : leaseOf(n);
    if (lease) this.seen.set(name, lease);
    else this.seen.delete(name);
    this.sync(name);
  }

  /** The node's lease: its podCIDR, which must lie in the flannel network (none before node IPAM ran). */
  private leaseFor(n: Node): string | undefined {
    const podCIDR = n.spec.podCIDR;
    if (!podCIDR) return undefined; // flanneld waits for the node IPAM controller
    const c = parseCIDR(podCIDR, true)!;
    const net = parseCIDR(this.settings.network)!;
    if (!(net.prefix <= c.prefix && cidrContains(net, c.network))) {
      throw new InputError(
        `flanneld on node ${n.metadata.name}: subnet "${this.settings.network}" specified in the flannel net config doesn't contain "${podCIDR}" PodCIDR of the "${n.metadata.name}" node`,
      );
    }
    return `${c.network}/${c.prefix}`;
  }

  private acquire(n: Node): void {
    const lease = this.leaseFor(n);
    if (!lease) return;
    if (this.lease !== lease) {
      this.lease = lease;
      this.backend.setup(this.kernel, lease);
      this.kernel.files.set(
        SUBNET_ENV_PATH,
        renderSubnetEnv({ network: this.settings.network, subnet: lease, mtu: this.backend.mtu, ipMasq: this.settings.ipMasq }),
      );
      for (const name of this.seen.keys()) this.sync(name);
    }
  }

  /** Writes the lease attributes and the NetworkUnavailable=False condition onto our Node, if not there yet. */
  private publish(n: Node): void {
    const want: Record<string, string> = {
      [BACKEND_DATA]: this.backend.backendData(),
      [BACKEND_TYPE]: this.backend.type,
      [KUBE_SUBNET_MANAGER]: 'true',
      [PUBLIC_IP]: this.ext.ip,
    };
    const have = n.metadata.annotations ?? {};
    const cond = n.status?.conditions?.find((c) => c.type === 'NetworkUnavailable');
    if (Object.entries(want).every(([k, v]) => have[k] === v) && cond?.status === 'False') return;
    const networkUp = { type: 'NetworkUnavailable', status: 'False', reason: 'FlannelIsUp', message: 'Flannel is running on this node' };
    const conditions = [networkUp, ...(n.status?.conditions ?? []).filter((c) => c.type !== 'NetworkUnavailable')];
    const fresh = this.ctx.store.get('Node', undefined, n.metadata.name)!;
    this.ctx.store.update({
      ...fresh,
      metadata: { ...fresh.metadata, annotations: { ...fresh.metadata.annotations, ...want } },
      status: { ...fresh.status, conditions },
    });
  }

  /** Brings the kernel in line with what we know of one remote node. */
  private sync(name: string): void {
    if (!this.lease) return;
    const want = this.seen.get(name);
    const have = this.programmed.get(name);
    if (have && want && sameLease(have, want)) return;
    if (have) {
      this.backend.remove(this.kernel, have);
      this.programmed.delete(name);
    }
    if (want && want.backendType === this.backend.type) {
      this.backend.add(this.kernel, want);
      this.programmed.set(name, want);
    }
  }
}

// flannel's vxlan backend: one flannel.<VNI> device whose address is the lease's network address
// as a /32, and per remote lease a permanent neighbour (remote VTEP MAC), an FDB entry (remote
// public IP) and an onlink route via the remote network address, added in that order.
import { parseCIDR } from '../../net/ip.js';
import { stableMac } from '../../net/mac.js';
import type { NodeKernel } from '../../kernel/node.js';
import type { ExternalInterface, FlannelBackend, RemoteLease } from './backend.js';

export interface VxlanOptions {
  vni: number;
  port: number;
  directRouting: boolean;
  mtu?: number;
  /** 6: the flannel-v6.<VNI> device for IPv6 pods, its VTEP the node's IPv6 address (EnableIPv6). */
  family?: 4 | 6;
}

/** The device flanneld names for a family: flannel.<VNI> or flannel-v6.<VNI>. */
export function vxlanDevice(vni: number, family: 4 | 6 = 4): string {
  return family === 4 ? `flannel.${vni}` : `flannel-v6.${vni}`;
}

/** The VTEP MAC flanneld would pick at random, derived from the node name so runs repeat. */
export function vtepMac(nodeName: string, vni: number, family: 4 | 6 = 4): string {
  return stableMac(`${vxlanDevice(vni, family)}/${nodeName}`);
}

export class VxlanBackend implements FlannelBackend {
  readonly type = 'vxlan';
  readonly mtu: number;
  readonly device: string;
  readonly mac: string;
  readonly family: 4 | 6;

  constructor(
    nodeName: string,
    private readonly ext: ExternalInterface,
    private readonly opts: VxlanOptions,
  ) {
    this.family = opts.family ?? 4;
    // flanneld gives both devices the IPv4 overhead's MTU (the configured or interface MTU - 50).
    this.mtu = opts.mtu ?? ext.mtu - 50;
    this.device = vxlanDevice(opts.vni, this.family);
    this.mac = vtepMac(nodeName, opts.vni, this.family);
  }

  backendData(): string {
    return JSON.stringify({ VNI: this.opts.vni, VtepMAC: this.mac });
  }

  setup(kernel: NodeKernel, lease: string): void {
    const ns = kernel.root;
    const net = parseCIDR(lease)!.network;
    if (!ns.link(this.device)) {
      ns.addLink({
        kind: 'vxlan',
        name: this.device,
        mac: this.mac,
        mtu: this.mtu,
        up: false,
        vni: this.opts.vni,
        port: this.opts.port,
        local: this.family === 4 ? this.ext.ip : this.ext.ip6!,
        dev: this.ext.dev,
        learning: false,
        ageing: 300,
        ttl: 0,
      });
      ns.sysctl.set(`net.ipv6.conf.${this.device}.accept_ra`, 0);
      ns.setUp(this.device, true);
    }
    const f = this.family;
    for (const a of ns.addressesOf(this.device, f)) if (a.address !== net && a.scope === 'global') ns.deleteAddress(this.device, a.address);
    if (!ns.addressesOf(this.device, f).some((a) => a.scope === 'global')) ns.addAddress({ family: f, dev: this.device, address: net, prefix: f === 4 ? 32 : 128, scope: 'global' });
  }

  /** DirectRouting applies when the remote public IP is on a connected subnet (route without gateway). */
  private direct(kernel: NodeKernel, r: RemoteLease): boolean {
    if (!this.opts.directRouting) return false;
    const m = kernel.root.lookup(r.publicIP);
    return !!m && m.route.type === 'unicast' && !m.route.via;
  }

  add(kernel: NodeKernel, r: RemoteLease): void {
    const ns = kernel.root;
    const c = parseCIDR(r.subnet)!;
    if (this.direct(kernel, r)) {
      ns.replaceRoute({ type: 'unicast', dst: c.network, prefix: c.prefix, via: r.publicIP, dev: ns.lookup(r.publicIP)!.dev! });
      return;
    }
    if (!r.vtepMAC) return;
    ns.neigh.replace({ ip: c.network, dev: this.device, lladdr: r.vtepMAC, state: 'PERMANENT' });
    ns.fdb.replace({ mac: r.vtepMAC, dev: this.device, dst: r.publicIP, state: 'permanent' });
    ns.replaceRoute({ type: 'unicast', dst: c.network, prefix: c.prefix, via: c.network, dev: this.device, onlink: true });
  }

  remove(kernel: NodeKernel, r: RemoteLease): void {
    const ns = kernel.root;
    const c = parseCIDR(r.subnet)!;
    ns.deleteRoute({ dst: c.network, prefix: c.prefix });
    ns.neigh.delete(c.network, this.device);
    if (r.vtepMAC) ns.fdb.delete({ mac: r.vtepMAC, dev: this.device, dst: r.publicIP });
  }
}

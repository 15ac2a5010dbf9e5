// The machine's own network setup before any Kubernetes component runs (what netplan/DHCP and
// the kubeadm prerequisites leave behind): interfaces with their addresses, a default route via
// the underlay's gateway, and the sysctls kubeadm requires.
import type { Node } from '../api/types.js';
import type { NodeKernel } from '../kernel/node.js';
import { cidrContains, intToIpv4, ipv4ToInt, nthAddress, parseCIDR } from '../net/ip.js';
import { stableVendorMac } from '../net/mac.js';
import type { Topology } from '../topology/load.js';
import type { ExternalInterface } from './flannel/backend.js';
import { headerNode } from '../topology/config.js';

/** QEMU/KVM's OUI: the NIC vendor of a typical lab VM. */
const NIC_OUI: [number, number, number] = [0x52, 0x54, 0x00];

/** The node's InternalIP: from the Cluster header, or the Node object of a node that joined later. */
function nodeIP(topology: Topology, node: Node): string | undefined {
  return headerNode(topology.header, node.metadata.name)?.ip ?? node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/**
 * Sets up the host side and returns the external interface (the one holding the node IP).
 * The default gateway is the underlay's first address, the usual router address of a lab subnet.
 */
export function setupHost(kernel: NodeKernel, topology: Topology, node: Node): ExternalInterface {
  const ns = kernel.root;
  const name = node.metadata.name;
  const ip = nodeIP(topology, node);
  if (!ip) throw new Error(`node ${name} has no InternalIP`);
  const underlay = parseCIDR(topology.header.underlay.cidr);
  const interfaces = headerNode(topology.header, name)?.interfaces ?? { lo: ['127.0.0.1/8'], eth0: [`${ip}/${underlay?.prefix ?? 24}`] };
  let ext: ExternalInterface | undefined;
  for (const [dev, addrs] of Object.entries(interfaces)) {
    if (!ns.link(dev)) ns.addLink({ kind: 'ether', name: dev, mac: stableVendorMac(NIC_OUI, `${name}/${dev}`), mtu: topology.header.underlay.mtu, up: true, qdisc: 'fq_codel' });
    for (const a of addrs) {
      const c = parseCIDR(a, true)!;
      if (ns.addresses.some((x) => x.dev === dev && x.address === c.address)) continue;
      const brd = c.family === 4 && c.prefix < 31 ? intToIpv4((ipv4ToInt(c.address) | (0xffffffff >>> c.prefix)) >>> 0) : undefined;
      ns.addAddress({ family: c.family, dev, address: c.address, prefix: c.prefix, ...(brd ? { broadcast: brd } : {}), scope: dev === 'lo' ? 'host' : 'global' });
      if (c.address === ip && dev !== 'lo') ext = { dev, ip, mtu: ns.mustLink(dev).mtu };
    }
  }
  if (!ext) throw new Error(`node ${name}: no interface holds its IP ${ip}`);
  const ip6 = ns.addressesOf(ext.dev, 6).find((a) => a.scope === 'global' && a.address !== ip)?.address;
  if (ip6) ext.ip6 = ip6;
  if (underlay && underlay.family === 4 && underlay.prefix < 31) {
    const gw = nthAddress(underlay, 1);
    const onLink = ns.addressesOf(ext.dev, 4).some((a) => cidrContains(parseCIDR(`${a.address}/${a.prefix}`)!, gw));
    if (gw !== ip && onLink) ns.addRoute({ type: 'unicast', dst: '0.0.0.0', prefix: 0, via: gw, dev: ext.dev });
  }
  // An IPv6 address on the external interface comes with the router's advertisement: a default
  // route via the router's link-local address, and forwarding on (kubeadm's dual-stack requirement).
  if (ns.addressesOf(ext.dev, 6).some((a) => a.scope === 'global') && !ns.lookup('2001:4860:4860::8888')) {
    ns.addRoute({ type: 'unicast', dst: '::', prefix: 0, via: 'fe80::1', dev: ext.dev, metric: 1024 });
    ns.sysctl.set('net.ipv6.conf.all.forwarding', 1);
  }
  const k = headerNode(topology.header, name)?.kernel;
  ns.sysctl.set('net.ipv4.ip_forward', 1);
  // kubeadm's prerequisites (/etc/sysctl.d/k8s.conf) set both families alike.
  ns.sysctl.set('net.bridge.bridge-nf-call-iptables', k?.bridgeNfCallIptables ?? 1);
  ns.sysctl.set('net.bridge.bridge-nf-call-ip6tables', k?.bridgeNfCallIptables ?? 1);
  return ext;
}

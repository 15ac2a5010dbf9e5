// The CNI bridge plugin, ADD and DEL: cni0 (created with the first pod, gateway address, MAC
// pinned), a veth pair from the pod's eth0 to a `vethXXXXXXXX` port of the bridge (hairpin as
// configured), the host-local address on eth0 and the routes of the IPAM result via the gateway.
import type { NodeKernel, PodSandbox } from '../../kernel/node.js';
import { intToIpv4, ipv4ToInt, parseCIDR, type CIDR } from '../../net/ip.js';
import { eui64LinkLocal } from '../../net/mac.js';
import type { BridgeConf } from './flannel-plugin.js';
import type { HostLocalAllocator } from './hostlocal.js';
import { bridgeMac, hostVethMac, podEth0Mac } from './names.js';

export const DEFAULT_BRIDGE = 'cni0';

function broadcastOf(address: string, prefix: number): string {
  return intToIpv4((ipv4ToInt(address) | (0xffffffff >>> prefix)) >>> 0);
}

function ensureBridge(kernel: NodeKernel, conf: BridgeConf, gateways: CIDR[]): string {
  const ns = kernel.root;
  const name = conf.bridge ?? DEFAULT_BRIDGE;
  if (!ns.link(name)) {
    ns.addLink({ kind: 'bridge', name, mac: bridgeMac(kernel.nodeName, name), mtu: conf.mtu, up: false });
    ns.sysctl.set(`net.ipv6.conf.${name}.accept_ra`, 0);
    ns.setUp(name, true);
  }
  for (const gw of gateways) {
    const have = ns.addressesOf(name, gw.family).filter((a) => a.scope === 'global');
    if (have.length && !have.some((a) => a.address === gw.address && a.prefix === gw.prefix)) {
      throw new Error(`failed to set bridge addr: "${name}" already has an IP address different from ${gw.address}/${gw.prefix}`);
    }
    if (!have.length) {
      const broadcast = gw.family === 4 ? { broadcast: broadcastOf(gw.address, gw.prefix) } : {};
      ns.addAddress({ family: gw.family, dev: name, address: gw.address, prefix: gw.prefix, ...broadcast, scope: 'global' });
    }
    ns.sysctl.set(gw.family === 4 ? 'net.ipv4.ip_forward' : 'net.ipv6.conf.all.forwarding', 1);
  }
  return name;
}

/** ADD: one address per host-local range set (dual-stack: IPv4 and IPv6), each with its gateway on cni0. */
export function bridgeAdd(kernel: NodeKernel, sandbox: PodSandbox, conf: BridgeConf, ipams: HostLocalAllocator[], requestedIPs: string[] = []): void {
  const isGateway = conf.isGateway || conf.isDefaultGateway;
  const allocs = ipams.map((ipam) => {
    const want = requestedIPs.find((ip) => ipam.holds(ip));
    const a = ipam.allocate(sandbox.containerID, 'eth0', want);
    return { addr: parseCIDR(a.address)!, gateway: a.gateway };
  });
  const bridge = ensureBridge(kernel, conf, isGateway ? allocs.map((a) => parseCIDR(`${a.gateway}/${a.addr.prefix}`)!) : []);

  const root = kernel.root;
  const eth0Mac = podEth0Mac(sandbox.pod);
  kernel.addSandboxVeth(sandbox, { name: 'eth0', mac: eth0Mac, mtu: conf.mtu }, { name: sandbox.hostVeth, mac: hostVethMac(sandbox.pod), mtu: conf.mtu });
  root.setUp(sandbox.hostVeth, true);
  root.setMaster(sandbox.hostVeth, bridge);
  root.setHairpin(sandbox.hostVeth, !!conf.hairpinMode);

  // The pod's side, when its namespace is built.
  sandbox.plannedEth0([...allocs.map((a) => a.addr.address), eui64LinkLocal(eth0Mac)]);
  sandbox.change((pod) => {
    pod.sysctl.set('net.ipv4.conf.eth0.arp_notify', 1);
    pod.sysctl.set('net.ipv6.conf.eth0.accept_dad', 0);
    for (const { addr } of allocs) {
      const broadcast = addr.family === 4 ? { broadcast: broadcastOf(addr.address, addr.prefix) } : {};
      pod.addAddress({ family: addr.family, dev: 'eth0', address: addr.address, prefix: addr.prefix, ...broadcast, scope: 'global' });
    }
    pod.setUp('eth0', true);
    for (const { addr, gateway } of allocs) {
      const routes = conf.ipam.routes.filter((r) => parseCIDR(r.dst)!.family === addr.family);
      const any = addr.family === 4 ? '0.0.0.0/0' : '::/0';
      if (conf.isDefaultGateway && !routes.some((r) => r.dst === any && r.gw)) routes.push({ dst: any, gw: gateway });
      for (const r of routes) {
        const c = parseCIDR(r.dst)!;
        pod.addRoute({ type: 'unicast', dst: c.network, prefix: c.prefix, via: r.gw ?? gateway, dev: 'eth0', ...(c.family === 6 ? { metric: 1024 } : {}) });
      }
    }
  });
  // The pod's first frames (IPv6 MLD reports and router solicitations as eth0 comes up) teach the
  // bridge which port its MAC lives behind.
  root.fdb.replace({ mac: eth0Mac, dev: sandbox.hostVeth, master: bridge, state: 'dynamic' });
}

/** DEL: eth0 goes (and with it the veth pair); the address returns to host-local. cni0 stays. */
export function bridgeDel(sandbox: PodSandbox, ipams: HostLocalAllocator[]): void {
  if (sandbox.netns.link('eth0')) sandbox.netns.deleteLink('eth0');
  for (const ipam of ipams) ipam.release(sandbox.containerID, 'eth0');
}

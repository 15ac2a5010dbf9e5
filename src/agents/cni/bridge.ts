// The CNI bridge plugin, ADD and DEL: cni0 (created with the first pod, gateway address, MAC
// pinned), a veth pair from the pod's eth0 to a `vethXXXXXXXX` port of the bridge (hairpin as
// configured), the host-local address on eth0 and the routes of the IPAM result via the gateway.
import type { NodeKernel, PodSandbox } from '../../kernel/node.js';
import { addVethPair } from '../../kernel/netns.js';
import { intToIpv4, ipv4ToInt, parseCIDR } from '../../net/ip.js';
import type { BridgeConf } from './flannel-plugin.js';
import type { HostLocalAllocator } from './hostlocal.js';
import { bridgeMac, hostVethMac, podEth0Mac } from './names.js';

export const DEFAULT_BRIDGE = 'cni0';

function broadcastOf(address: string, prefix: number): string {
  return intToIpv4((ipv4ToInt(address) | (0xffffffff >>> prefix)) >>> 0);
}

function ensureBridge(kernel: NodeKernel, conf: BridgeConf, gatewayCidr: string | undefined): string {
  const ns = kernel.root;
  const name = conf.bridge ?? DEFAULT_BRIDGE;
  if (!ns.link(name)) {
    ns.addLink({ kind: 'bridge', name, mac: bridgeMac(kernel.nodeName, name), mtu: conf.mtu, up: false });
    ns.sysctl.set(`net.ipv6.conf.${name}.accept_ra`, 0);
    ns.setUp(name, true);
  }
  if (gatewayCidr) {
    const gw = parseCIDR(gatewayCidr)!;
    const v4 = ns.addressesOf(name, 4);
    if (v4.length && !v4.some((a) => a.address === gw.address && a.prefix === gw.prefix)) {
      throw new Error(`failed to set bridge addr: "${name}" already has an IP address different from ${gatewayCidr}`);
    }
    if (!v4.length) {
      ns.addAddress({ family: 4, dev: name, address: gw.address, prefix: gw.prefix, broadcast: broadcastOf(gw.address, gw.prefix), scope: 'global' });
    }
    ns.sysctl.set('net.ipv4.ip_forward', 1);
  }
  return name;
}

export function bridgeAdd(kernel: NodeKernel, sandbox: PodSandbox, conf: BridgeConf, ipam: HostLocalAllocator, requestedIP?: string): void {
  const isGateway = conf.isGateway || conf.isDefaultGateway;
  const alloc = ipam.allocate(sandbox.containerID, 'eth0', requestedIP);
  const addr = parseCIDR(alloc.address)!;
  const gateway = alloc.gateway;
  const bridge = ensureBridge(kernel, conf, isGateway ? `${gateway}/${addr.prefix}` : undefined);

  const pod = sandbox.netns;
  const root = kernel.root;
  addVethPair(
    { netns: pod, name: 'eth0', mac: podEth0Mac(sandbox.pod), mtu: conf.mtu },
    { netns: root, name: sandbox.hostVeth, mac: hostVethMac(sandbox.pod), mtu: conf.mtu },
  );
  root.setUp(sandbox.hostVeth, true);
  root.setMaster(sandbox.hostVeth, bridge);
  root.setHairpin(sandbox.hostVeth, !!conf.hairpinMode);

  pod.sysctl.set('net.ipv4.conf.eth0.arp_notify', 1);
  pod.sysctl.set('net.ipv6.conf.eth0.accept_dad', 0);
  pod.addAddress({ family: 4, dev: 'eth0', address: addr.address, prefix: addr.prefix, broadcast: broadcastOf(addr.address, addr.prefix), scope: 'global' });
  pod.setUp('eth0', true);
  const routes = [...conf.ipam.routes];
  if (conf.isDefaultGateway && !routes.some((r) => r.dst === '0.0.0.0/0' && r.gw)) routes.push({ dst: '0.0.0.0/0', gw: gateway });
  for (const r of routes) {
    const c = parseCIDR(r.dst)!;
    pod.addRoute({ type: 'unicast', dst: c.network, prefix: c.prefix, via: r.gw ?? gateway, dev: 'eth0' });
  }
  // The pod's first frames (IPv6 MLD reports and router solicitations as eth0 comes up) teach the
  // bridge which port its MAC lives behind.
  root.fdb.replace({ mac: podEth0Mac(sandbox.pod), dev: sandbox.hostVeth, master: bridge, state: 'dynamic' });
}

/** DEL: eth0 goes (and with it the veth pair); the address returns to host-local. cni0 stays. */
export function bridgeDel(sandbox: PodSandbox, ipam: HostLocalAllocator): void {
  if (sandbox.netns.link('eth0')) sandbox.netns.deleteLink('eth0');
  ipam.release(sandbox.containerID, 'eth0');
}

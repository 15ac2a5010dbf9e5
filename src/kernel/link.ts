// Network devices as the kernel keeps them: one record per link, with what `ip -d link` shows.
import { solicitedNodeMac } from '../net/mac.js';
import type { NetNamespace } from './netns.js';

interface LinkBase {
  ifindex: number;
  name: string;
  mac: string;
  mtu: number;
  /** Administrative state (`ip link set … up`). */
  up: boolean;
  /** The bridge this link is a port of. */
  master?: string;
  /** Bridge port flag (`bridge link set … hairpin on`): frames may leave by the port they came in on. */
  hairpin?: boolean;
  /** Transmit queue length; veth, bridge and vxlan devices get 1000 on current kernels. */
  qlen: number;
}

export interface LoopbackLink extends LinkBase {
  kind: 'loopback';
}

/** A physical NIC (the node's eth0): the only kind with a real qdisc. */
export interface EtherLink extends LinkBase {
  kind: 'ether';
  qdisc: string;
}

export interface BridgeLink extends LinkBase {
  kind: 'bridge';
}

export interface VethLink extends LinkBase {
  kind: 'veth';
  /** The other end, possibly in another namespace. */
  peer: { netns: NetNamespace; ifindex: number };
}

export interface VxlanLink extends LinkBase {
  kind: 'vxlan';
  vni: number;
  /** UDP destination port (`dstport`). */
  port: number;
  /** Source address of the outer packet (`local`). */
  local: string;
  /** Underlay device (`dev`). */
  dev: string;
  learning: boolean;
  ageing: number;
  /** 0 = `ttl auto`: the outer TTL comes from ip_default_ttl. */
  ttl: number;
}

export interface DummyLink extends LinkBase {
  kind: 'dummy';
}

export type Link = LoopbackLink | EtherLink | BridgeLink | VethLink | VxlanLink | DummyLink;
export type LinkKind = Link['kind'];

/** Link fields a caller chooses; the namespace assigns the ifindex. */
export type LinkSpec = Link extends infer L ? (L extends Link ? Omit<L, 'ifindex' | 'qlen'> & { qlen?: number } : never) : never;

/** The IFF_* flags and operational state iproute2 prints in `<…>` and `state …`. */
export interface LinkStatus {
  flags: string[];
  state: 'UP' | 'DOWN' | 'UNKNOWN' | 'LOWERLAYERDOWN';
  carrier: boolean;
}

/**
 * Ethernet multicast groups a device has joined: the IPv6 all-nodes and IPv4 all-hosts groups
 * plus the solicited-node group of its link-local address; a bridge also joins the multicast
 * router discovery groups for snooping. `bridge fdb` lists them as `self permanent`.
 */
export function multicastMacs(link: Link): string[] {
  if (link.kind === 'loopback' || link.kind === 'vxlan') return [];
  if (link.kind === 'bridge') return ['33:33:00:00:00:01', '01:00:5e:00:00:6a', '33:33:00:00:00:6a', '01:00:5e:00:00:01', solicitedNodeMac(link.mac)];
  return ['33:33:00:00:00:01', '01:00:5e:00:00:01', solicitedNodeMac(link.mac)];
}

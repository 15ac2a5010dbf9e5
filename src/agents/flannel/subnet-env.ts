// /run/flannel/subnet.env: the file flanneld writes for the flannel CNI plugin, and the plugin's
// reading of it.
import { nthAddress, parseCIDR } from '../../net/ip.js';

export const SUBNET_ENV_PATH = '/run/flannel/subnet.env';

export interface SubnetEnv {
  network?: string;
  /** The node's lease, as a network (e.g. 10.244.1.0/24). */
  subnet?: string;
  ipv6Network?: string;
  ipv6Subnet?: string;
  mtu: number;
  ipMasq: boolean;
}

/** FLANNEL_SUBNET carries the lease's first address (.1), not its network address. */
function firstAddress(cidr: string): string {
  const c = parseCIDR(cidr)!;
  return `${nthAddress(c, 1)}/${c.prefix}`;
}

/** The file text, keys in the order flanneld writes them. */
export function renderSubnetEnv(e: SubnetEnv): string {
  const lines: string[] = [];
  if (e.network && e.subnet) lines.push(`FLANNEL_NETWORK=${e.network}`, `FLANNEL_SUBNET=${firstAddress(e.subnet)}`);
  if (e.ipv6Network && e.ipv6Subnet) lines.push(`FLANNEL_IPV6_NETWORK=${e.ipv6Network}`, `FLANNEL_IPV6_SUBNET=${firstAddress(e.ipv6Subnet)}`);
  lines.push(`FLANNEL_MTU=${e.mtu}`, `FLANNEL_IPMASQ=${e.ipMasq}`);
  return lines.join('\n') + '\n';
}

/**
 * The flannel CNI plugin's reading: every IPv4 key must be there; FLANNEL_SUBNET is parsed as a
 * CIDR, so its host bits fall away and the lease's network comes back.
 */
export function parseSubnetEnv(text: string): SubnetEnv {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
  }
  const need = (k: string): string => {
    const v = kv.get(k);
    if (v === undefined) throw new Error(`${SUBNET_ENV_PATH} is missing ${k}`);
    return v;
  };
  const net = (k: string): string | undefined => {
    const v = kv.get(k);
    if (v === undefined) return undefined;
    const c = parseCIDR(v);
    if (!c) throw new Error(`${SUBNET_ENV_PATH}: ${k}=${v} is not a CIDR`);
    return `${c.network}/${c.prefix}`;
  };
  const mtu = Number(need('FLANNEL_MTU'));
  const ipv6Network = net('FLANNEL_IPV6_NETWORK');
  const ipv6Subnet = net('FLANNEL_IPV6_SUBNET');
  return {
    network: net('FLANNEL_NETWORK') ?? need('FLANNEL_NETWORK'),
    subnet: net('FLANNEL_SUBNET') ?? need('FLANNEL_SUBNET'),
    ...(ipv6Network ? { ipv6Network } : {}),
    ...(ipv6Subnet ? { ipv6Subnet } : {}),
    mtu,
    ipMasq: need('FLANNEL_IPMASQ') === 'true',
  };
}

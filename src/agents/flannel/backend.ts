// What a flannel backend does on its node: set up its device for the node's lease and program
// one path per remote lease.
import type { NodeKernel } from '../../kernel/node.js';

/** A remote node's lease as flanneld reads it from the Node object (podCIDR + annotations). */
export interface RemoteLease {
  node: string;
  /** The remote podCIDR, e.g. 10.244.1.0/24. */
  subnet: string;
  publicIP: string;
  backendType: string;
  /** backend-data of a vxlan lease. */
  vtepMAC?: string;
}

/** The node's external interface: flannel's --iface, by default the one holding the node IP. */
export interface ExternalInterface {
  dev: string;
  ip: string;
  /** Its global IPv6 address, the VTEP of flannel-v6.<VNI> (EnableIPv6). */
  ip6?: string;
  mtu: number;
}

export interface FlannelBackend {
  readonly type: 'vxlan' | 'host-gw';
  /** FLANNEL_MTU. */
  readonly mtu: number;
  /** The backend-data annotation value (JSON). */
  backendData(): string;
  /** Prepares the node for its own lease. */
  setup(kernel: NodeKernel, lease: string): void;
  add(kernel: NodeKernel, r: RemoteLease): void;
  remove(kernel: NodeKernel, r: RemoteLease): void;
}

// Who listens where in one network namespace: the sockets a process bound (a pod's containers on
// their declared containerPorts, kubelet on :10250, kube-apiserver on a control-plane node). A
// packet delivered locally is received only where a socket matches its protocol, address and port.
import type { L4Proto } from './conntrack.js';

export interface Socket {
  proto: L4Proto;
  /** The bound address; `0.0.0.0` / `::` for every address of the namespace. */
  addr: string;
  port: number;
  /** Who holds it: `pod default/nginx-…`, `kubelet`, `kube-apiserver`. */
  owner: string;
  /** Why knet thinks it is there (`containerPort 80`, `hostNetwork containerPort 53`, …). */
  why: string;
}

export class SocketTable {
  private list: Socket[] = [];
  /** Sockets grouped by whoever bound them, so an owner can rebind its set at once. */
  private readonly byOwner = new Map<string, Socket[]>();

  /** Replaces every socket `owner` holds (a pod restarting, kubelet starting). */
  bind(owner: string, sockets: Socket[]): void {
    if (sockets.length) this.byOwner.set(owner, sockets);
    else this.byOwner.delete(owner);
    this.list = [...this.byOwner.values()].flat();
  }

  /** The socket a packet to addr:port would reach: an exact address before a wildcard, as the kernel prefers. */
  lookup(proto: L4Proto, addr: string, port: number): Socket | undefined {
    let wildcard: Socket | undefined;
    for (const s of this.list) {
      if (s.proto !== proto || s.port !== port) continue;
      if (s.addr === addr) return s;
      // An IPv6 wildcard also takes IPv4 (net.ipv6.bindv6only=0).
      if (!wildcard && ((s.addr === '0.0.0.0' && !addr.includes(':')) || s.addr === '::')) wildcard = s;
    }
    return wildcard;
  }

  all(): readonly Socket[] {
    return this.list;
  }
}

// flannel's host-gw backend: no device of its own; per remote lease a route via the remote node's
// public IP out of the external interface. Needs the nodes on one L2 segment.
import { parseCIDR } from '../../net/ip.js';
import type { NodeKernel } from '../../kernel/node.js';
import type { ExternalInterface, FlannelBackend, RemoteLease } from './backend.js';

export class HostGwBackend implements FlannelBackend {
  readonly type = 'host-gw';
  readonly mtu: number;

  constructor(private readonly ext: ExternalInterface) {
    this.mtu = ext.mtu;
  }

  backendData(): string {
    return 'null';
  }

  setup(): void {}

  add(kernel: NodeKernel, r: RemoteLease): void {
    const c = parseCIDR(r.subnet)!;
    kernel.root.replaceRoute({ type: 'unicast', dst: c.network, prefix: c.prefix, via: r.publicIP, dev: this.ext.dev });
  }

  remove(kernel: NodeKernel, r: RemoteLease): void {
    const c = parseCIDR(r.subnet)!;
    kernel.root.deleteRoute({ dst: c.network, prefix: c.prefix, via: r.publicIP });
  }
}

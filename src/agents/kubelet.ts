// The kubelet's part of a node's sockets: the containers of each pod listen on their declared
// containerPorts (in the pod's namespace, or the node's for hostNetwork pods), kubelet itself on
// :10250, kube-apiserver on :6443 on a control-plane node.
import type { Pod } from '../api/types.js';
import type { L4Proto } from '../kernel/conntrack.js';
import type { NodeKernel } from '../kernel/node.js';
import type { Socket } from '../kernel/sockets.js';
import type { AgentContext } from './context.js';
import { headerNode } from '../topology/config.js';

function containerSockets(pod: Pod, owner: string, how: string): Socket[] {
  return pod.spec.containers.flatMap((c) =>
    (c.ports ?? []).map((cp) => ({
      proto: (cp.protocol ?? 'TCP').toLowerCase() as L4Proto,
      addr: '::',
      port: cp.containerPort,
      owner,
      why: `${how}containerPort ${cp.containerPort}/${cp.protocol ?? 'TCP'} of container ${c.name}`,
    })),
  );
}

export class KubeletSockets {
  private seen = -1;

  constructor(
    private readonly ctx: AgentContext,
    private readonly kernel: NodeKernel,
  ) {
    const node = headerNode(ctx.topology.header, kernel.nodeName);
    const daemons: Socket[] = [{ proto: 'tcp', addr: '::', port: 10250, owner: 'kubelet', why: 'the kubelet API' }];
    if (node?.roles.some((r) => r === 'control-plane' || r === 'master')) {
      daemons.push({ proto: 'tcp', addr: '::', port: 6443, owner: 'kube-apiserver', why: `static pod on control-plane node ${kernel.nodeName}` });
    }
    kernel.root.sockets.bind('node daemons', daemons);
  }

  /** Rebinds the pods' sockets when the store changed since the last look. */
  refresh(): void {
    const rv = this.ctx.store.resourceVersion;
    if (rv === this.seen) return;
    this.seen = rv;
    const root = this.kernel.root.sockets;
    const hostOwners = new Set(root.all().map((s) => s.owner).filter((o) => o.startsWith('pod ')));
    for (const pod of this.ctx.store.list('Pod', { fields: { 'spec.nodeName': this.kernel.nodeName } })) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const owner = `pod ${key}`;
      if (pod.spec.hostNetwork) {
        root.bind(`${owner} (hostNetwork)`, containerSockets(pod, `${owner} (hostNetwork)`, 'hostNetwork '));
        hostOwners.delete(`${owner} (hostNetwork)`);
        continue;
      }
      // into the pod's namespace when it is built: only the last binding counts
      this.kernel.pod(key)?.change((ns) => ns.sockets.bind(owner, containerSockets(pod, owner, '')), 'kubelet');
    }
    for (const gone of hostOwners) root.bind(gone, []);
  }
}

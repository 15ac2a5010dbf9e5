// One machine's kernel as knet keeps it: the initial network namespace, one namespace per pod
// sandbox, and the few files agents hand each other (flannel's subnet.env, host-local's state).
import { NetNamespace } from './netns.js';

export interface PodSandbox {
  /** namespace/name of the pod. */
  pod: string;
  /** The netns name under /var/run/netns (containerd's `cni-<uuid>`). */
  netnsName: string;
  containerID: string;
  netns: NetNamespace;
  /** Name of the host end of the pod's veth, in the node's namespace. */
  hostVeth: string;
}

export class NodeKernel {
  /** The node's initial namespace: eth0, cni0, flannel.1, the host ends of the pods' veths. */
  readonly root = new NetNamespace(null);
  private readonly sandboxes = new Map<string, PodSandbox>();
  /** Files on the node's disk that agents read and write, by absolute path. */
  readonly files = new Map<string, string>();

  constructor(readonly nodeName: string) {}

  /** Pod sandboxes in creation order. */
  pods(): PodSandbox[] {
    return [...this.sandboxes.values()];
  }

  /** The sandbox of a pod (`namespace/name`). */
  pod(key: string): PodSandbox | undefined {
    return this.sandboxes.get(key);
  }

  /** The sandbox whose eth0 holds an address, e.g. to find where a packet to a pod IP ends up. */
  podByIP(ip: string): PodSandbox | undefined {
    return this.pods().find((s) => s.netns.addresses.some((a) => a.dev === 'eth0' && a.address === ip));
  }

  /** A fresh namespace for a pod sandbox (what the runtime creates before calling CNI). */
  createSandbox(pod: string, netnsName: string, containerID: string, hostVeth: string): PodSandbox {
    const s: PodSandbox = { pod, netnsName, containerID, netns: new NetNamespace(netnsName), hostVeth };
    this.sandboxes.set(pod, s);
    return s;
  }

  /** The runtime tears the sandbox down after CNI DEL; the namespace and whatever was left in it go. */
  removeSandbox(pod: string): void {
    this.sandboxes.delete(pod);
  }

  /** Namespaces by their /var/run/netns name; null is the node's own. */
  netns(name: string | null): NetNamespace | undefined {
    return name === null ? this.root : this.pods().find((s) => s.netnsName === name)?.netns;
  }
}

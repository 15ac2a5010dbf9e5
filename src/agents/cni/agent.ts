// kubelet's sandbox lifecycle on one node, as far as networking goes: for each pod bound here
// (not hostNetwork) it creates the sandbox's netns and runs the CNI conflist's ADD (flannel →
// bridge + host-local); when the pod goes it runs DEL and drops the namespace. A pod whose ADD
// cannot run yet (no subnet.env before flanneld has its lease) is retried when the Node changes.
import type { WatchEvent } from '../../api/store.js';
import { keyOf, type ConfigMap, type Pod } from '../../api/types.js';
import type { NodeKernel } from '../../kernel/node.js';
import type { AgentContext } from '../context.js';
import { SUBNET_ENV_PATH, parseSubnetEnv } from '../flannel/subnet-env.js';
import { bridgeAdd, bridgeDel } from './bridge.js';
import { conflistConfigMap, delegateConfig, readConflist, type BridgeConf } from './flannel-plugin.js';
import { HostLocalAllocator, canonicalRange, nodeIpamDisk } from './hostlocal.js';
import { containerID, hostVethName, netnsName } from './names.js';
import { portMappingsOf, portmapConf, portmapIptablesRules, type PortmapContainer } from './portmap.js';
import type { IptablesRestoreLines } from '../flannel/rules.js';
import { canonicalIP, cidrContains, parseCIDR, type CIDR } from '../../net/ip.js';

/** Where the flannel plugin saves each container's delegate config so DEL can replay it. */
export const FLANNEL_CNI_DATA_DIR = '/var/lib/cni/flannel';

/** The delegate config built from one subnet.env and conflist, with what each ADD derives from it. */
interface Delegate {
  env: string;
  cm: ConfigMap | undefined;
  conf: BridgeConf;
  /** The config as the plugin saves it for DEL. */
  text: string;
  /** The host-local range sets' subnets. */
  subnets: CIDR[];
  ipams: HostLocalAllocator[];
}

export class CniAgent {
  private readonly pending = new Map<string, Pod>();
  private last?: Delegate;
  /** The pod IP each sandbox was set up with. */
  private readonly attached = new Map<string, string>();
  /** portmap's ADD per pod with host ports, in the order the pods came up. */
  private readonly portmaps = new Map<string, PortmapContainer>();

  constructor(
    private readonly ctx: AgentContext,
    private readonly kernel: NodeKernel,
  ) {}

  start(): () => void {
    // As the kubelet does: only this node's pods (field selector spec.nodeName) and its own Node.
    const node = this.kernel.nodeName;
    const stopPods = this.ctx.store.watch('Pod', 0, (ev) => this.onPod(ev), { fields: { 'spec.nodeName': node } });
    const stopNodes = this.ctx.store.watch(
      'Node',
      0,
      (ev) => {
        if (ev.type !== 'DELETED') for (const p of [...this.pending.values()]) this.add(p);
      },
      { fields: { 'metadata.name': node } },
    );
    return () => {
      stopPods();
      stopNodes();
    };
  }

  private mine(p: Pod): boolean {
    return p.spec.nodeName === this.kernel.nodeName && !p.spec.hostNetwork;
  }

  private onPod(ev: WatchEvent<'Pod'>): void {
    const p = ev.object;
    const key = keyOf(p);
    if (ev.type === 'DELETED' || !this.mine(p)) {
      this.pending.delete(key);
      if (this.attached.has(key)) this.del(key);
      return;
    }
    const ip = p.status?.podIP;
    if (!ip) return; // kubelet-cni has not assigned an address yet
    if (this.attached.get(key) === ip) return;
    if (this.attached.has(key)) this.del(key);
    this.add(p);
  }

  /**
   * The flannel plugin's delegate config for the next ADD. Every pod of the node gets the same
   * one until subnet.env or the conflist changes, so it is built (and written out) once per change.
   */
  private delegate(): Delegate | undefined {
    const env = this.kernel.files.get(SUBNET_ENV_PATH);
    if (env === undefined) return undefined;
    const cm = conflistConfigMap(this.ctx.store);
    const d = this.last;
    if (d && d.env === env && d.cm === cm) return d;
    const conf = delegateConfig(readConflist(this.ctx.store), parseSubnetEnv(env));
    const subnets = conf.ipam.ranges.flat().map((r) => parseCIDR(r.subnet)!);
    return (this.last = { env, cm, conf, text: JSON.stringify(conf), subnets, ipams: this.ipams(conf) });
  }

  /** One host-local allocator per range set (rangeID = its index), sharing the network's directory. */
  private ipams(conf: BridgeConf): HostLocalAllocator[] {
    const disk = nodeIpamDisk(this.kernel.files, conf.name);
    return conf.ipam.ranges.map((set, i) => new HostLocalAllocator(set.map((r) => canonicalRange(r.subnet)), disk, i));
  }

  private add(p: Pod): void {
    const key = keyOf(p);
    const d = this.delegate();
    if (!d) {
      this.pending.set(key, p);
      return;
    }
    const conf = d.conf;
    this.pending.delete(key);
    // An address host-local cannot give (another CNI's IPAM chose it, as Calico's does) gets no
    // sandbox: the load has said so, and traces from or to the pod are refused.
    const ips = (p.status!.podIPs?.length ? p.status!.podIPs.map((x) => x.ip) : [p.status!.podIP!]).map((ip) => canonicalIP(ip) ?? ip);
    if (!d.subnets.some((c) => cidrContains(c, ips[0]!))) return;
    let attempt = 0;
    while (this.kernel.root.link(hostVethName(key, attempt))) attempt++;
    const sandbox = this.kernel.createSandbox(key, netnsName(key), containerID(key), hostVethName(key, attempt));
    this.kernel.files.set(`${FLANNEL_CNI_DATA_DIR}/${sandbox.containerID}`, d.text);
    bridgeAdd(this.kernel, sandbox, conf, d.ipams, ips);
    this.attached.set(key, p.status!.podIP!);
    this.portmapAdd(p, sandbox.containerID, conf);
  }

  /** The chained portmap plugin: only pods with host ports, and only if the conflist chains it. */
  private portmapAdd(p: Pod, id: string, conf: BridgeConf): void {
    const entries = portMappingsOf(p);
    if (entries.length === 0 || !this.portmapPlugin()) return;
    const eth0 = this.kernel.pod(keyOf(p))!.netns.addressesOf('eth0', 4)[0]!;
    this.portmaps.set(keyOf(p), { netName: conf.name, containerID: id, ip: eth0.address, network: `${eth0.address}/${eth0.prefix}`, entries });
    // So that 127.0.0.1:hostPort can be DNATed across to the pod (the plugin's route_localnet).
    this.kernel.root.sysctl.set(`net.ipv4.conf.${conf.bridge ?? 'cni0'}.route_localnet`, 1);
  }

  private portmapPlugin(): Record<string, unknown> | undefined {
    return readConflist(this.ctx.store).plugins.find((x) => x.type === 'portmap');
  }

  /** portmap's nat rules for the pods running here, as iptables-restore lines. */
  portmapRules(): IptablesRestoreLines {
    return portmapIptablesRules([...this.portmaps.values()], portmapConf(this.portmapPlugin() ?? {}));
  }

  private del(key: string): void {
    const sandbox = this.kernel.pod(key);
    this.attached.delete(key);
    this.portmaps.delete(key);
    if (!sandbox) return;
    const saved = this.kernel.files.get(`${FLANNEL_CNI_DATA_DIR}/${sandbox.containerID}`);
    if (saved) {
      bridgeDel(sandbox, saved === this.last?.text ? this.last.ipams : this.ipams(JSON.parse(saved) as BridgeConf));
      this.kernel.files.delete(`${FLANNEL_CNI_DATA_DIR}/${sandbox.containerID}`);
    }
    this.kernel.removeSandbox(key);
  }
}

// What `knet lab up` creates, worked out from knet's own state before anything runs: the
// namespaces; the commands that give each the links, addresses, routes, neighbours and FDB
// entries knet computed (each node's own rebuild from kernel/replay, its NICs joined to one
// underlay switch), its sysctls and its iptables ruleset; and the responders standing in for the
// sockets the cluster implies. Nothing here touches the machine.
import type { Store } from '../api/store.js';
import type { NodeKernel } from '../kernel/node.js';
import type { NetNamespace } from '../kernel/netns.js';
import { replayCommands } from '../kernel/replay.js';
import { parseCIDR } from '../net/ip.js';
import type { Topology } from '../topology/load.js';
import { LabNames, UNDERLAY_BRIDGE, underlayPort } from './names.js';

/** kube-proxy's dummy link in IPVS mode. */
const KUBE_IPVS0 = 'kube-ipvs0';

export type LabRole = 'underlay' | 'node' | 'pod' | 'external';

export interface LabNamespace {
  name: string;
  role: LabRole;
  /** What it stands for, as traces name receivers: `node k8s-node1`, `pod default/pod-a`, `ext laptop`, `underlay`. */
  object: string;
  /** The node a pod runs on. */
  node?: string;
  /** The address connections from this namespace leave with (node IP, pod IP, client IP). */
  ip?: string;
}

export interface LabCommand {
  argv: string[];
  /** Fed to the command's standard input (iptables-restore's ruleset). */
  stdin?: string;
}

/** A responder process: who answers, in which namespace, on which `proto/port`s. */
export interface ResponderSpec {
  netns: string;
  receiver: string;
  listen: string[];
}

/** knet's DNS server standing in for CoreDNS in one CoreDNS pod, on the pod's IPs, port 53. */
export interface DnsServerSpec {
  netns: string;
  /** `NS/NAME` of the CoreDNS pod. */
  pod: string;
  /** The pod IPs, comma-separated (dual-stack: both). */
  ip: string;
}

/** A file `ip netns exec` bind-mounts over /etc inside one namespace (`/etc/netns/NS/FILE`). */
export interface EtcFile {
  path: string;
  content: string;
}

export interface LabPlan {
  prefix: string;
  namespaces: LabNamespace[];
  commands: LabCommand[];
  responders: ResponderSpec[];
  dnsServers: DnsServerSpec[];
  files: EtcFile[];
  /** hostNetwork pods: `pod NS/NAME` → their node's namespace (for `lab exec`). */
  aliases: { object: string; netns: string }[];
  /** IPVS-mode nodes whose IPVS table (this many virtual servers) the lab does not load. */
  ipvsLeftOut: { node: string; virtualServers: number }[];
}

export interface LabInputs {
  store: Store;
  topology: Topology;
  kernels: ReadonlyMap<string, NodeKernel>;
  /** Each node's whole iptables ruleset as iptables-restore input. */
  rulesets: ReadonlyMap<string, string>;
  /** Dual-stack: each node's ip6tables ruleset as ip6tables-restore input. */
  rulesets6?: ReadonlyMap<string, string>;
  /** Each node's nftables state as `nft list ruleset` prints it (nft -f input); empty when it has none. */
  nftRulesets?: ReadonlyMap<string, string>;
  /** IPVS-mode nodes' ipsets as `ipset save` prints them (`ipset restore` input). */
  ipsets?: ReadonlyMap<string, string>;
  /** IPVS-mode nodes' virtual server counts: the IPVS table the lab does not load. */
  ipvsTables?: ReadonlyMap<string, number>;
  /** `NS/NAME` and pod IP of each CoreDNS pod. */
  corednsPods: { pod: string; ip: string }[];
  /** Each pod's (`NS/NAME`) /etc/resolv.conf and /etc/hosts as the kubelet writes them. */
  podFiles: ReadonlyMap<string, { resolvConf: string; hosts: string }>;
}

/** The system's nft by path: under npm, PATH's node_modules/.bin has an unrelated `nft` (@vercel/nft). */
export const NFT_BINARY = '/usr/sbin/nft';

/** Why an IPVS-mode node's virtual servers are not in the lab. */
export const IPVS_LEFT_OUT = 'knet lab loads no IPVS table; kube-ipvs0 with its addresses (a veth on no wire: this kernel has no dummy link type), the ipsets and the iptables rules are loaded';

/** Where `ip netns exec NETNS` finds the files it bind-mounts over /etc. */
export const ETC_NETNS = '/etc/netns';

const ip = (netns: string, ...args: string[]): LabCommand => ({ argv: ['ip', '-n', netns, ...args] });

/** Keys of one device (`net.ipv4.conf.eth0.*`) come and go with the device; only the namespace-wide ones are written. */
const DEVICE_KEY = /^net\.ipv[46]\.conf\.(?!all\.|default\.)/;

/** nf_conntrack's keys appear once a rule has loaded nf_conntrack: they are written after the rules. */
const CONNTRACK_KEY = /^net\.netfilter\./;

function sysctlCommand(netns: string, ns: NetNamespace, which: 'conntrack' | 'rest' = 'rest'): LabCommand | undefined {
  const settings = ns.sysctl
    .entries()
    // net.ipv4.vs.* exist only with ip_vs, which the lab leaves out with the IPVS table
    .filter(([k]) => !DEVICE_KEY.test(k) && !k.startsWith('net.ipv4.vs.') && CONNTRACK_KEY.test(k) === (which === 'conntrack'))
    .map(([k, v]) => `${k}=${v.replace(/\t/g, ' ')}`);
  return settings.length ? { argv: ['ip', 'netns', 'exec', netns, 'sysctl', '-q', '-w', ...settings] } : undefined;
}

const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((w, i) => w === b[i]);

function listenKey(proto: string | undefined, port: number): string {
  return `${(proto ?? 'TCP').toLowerCase()}/${port}`;
}

export function planLab(inputs: LabInputs, prefix: string): LabPlan {
  const names = new LabNames(prefix);
  const { store, topology, kernels } = inputs;
  const U = names.underlay;
  const namespaces: LabNamespace[] = [{ name: U, role: 'underlay', object: 'underlay' }];
  const nodes = topology.header.nodes.filter((n) => kernels.has(n.name));
  const c: LabCommand[] = [
    { argv: ['ip', 'netns', 'add', U] },
    ip(U, 'link', 'set', 'lo', 'up'),
    // The underlay is a plain switch: bridged frames skip its (empty) iptables.
    { argv: ['ip', 'netns', 'exec', U, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0'] },
    ip(U, 'link', 'add', UNDERLAY_BRIDGE, 'mtu', String(topology.header.underlay.mtu), 'type', 'bridge'),
    ip(U, 'link', 'set', UNDERLAY_BRIDGE, 'up'),
  ];

  nodes.forEach((n, i) => {
    const k = kernels.get(n.name)!;
    const podNetns = (key: string): string => names.pod(...(key.split('/') as [string, string]));
    namespaces.push({ name: names.node(n.name), role: 'node', object: `node ${n.name}`, ip: n.ip });
    for (const s of k.pods()) {
      const podIP = s.netns.addresses.find((a) => a.family === 4 && a.dev === 'eth0')?.address;
      namespaces.push({ name: podNetns(s.pod), role: 'pod', object: `pod ${s.pod}`, node: n.name, ...(podIP ? { ip: podIP } : {}) });
    }
    // The node's rebuild brings its own underlay namespace and far ends of its NICs; the lab has
    // one underlay for all, so it is created once and each far end is renamed to the node's
    // switch port and plugged into the switch.
    const replay = replayCommands(k, { node: names.node(n.name), underlay: U, pod: podNetns });
    const farEnds: string[] = [];
    for (const argv of replay) {
      if (c.some((x) => same(x.argv, argv))) continue;
      const p = argv.indexOf('peer');
      if (p >= 0 && argv[p + 1] === 'name' && argv[p + 3] === 'netns' && argv[p + 4] === U) farEnds.push(argv[p + 2]!);
      c.push({ argv });
    }
    for (const far of farEnds) {
      const port = underlayPort('n', i, far.replace(/^u-/, ''));
      c.push(ip(U, 'link', 'set', far, 'down'), ip(U, 'link', 'set', far, 'name', port));
      // kube-ipvs0 is rebuilt as a veth (this kernel has no dummy link type) whose far end stays on no wire
      if (far !== `u-${KUBE_IPVS0}`) c.push(ip(U, 'link', 'set', port, 'master', UNDERLAY_BRIDGE, 'up'));
    }
    for (const cmd of [sysctlCommand(names.node(n.name), k.root), ...k.pods().map((s) => sysctlCommand(podNetns(s.pod), s.netns))]) if (cmd) c.push(cmd);
  });

  const underlay = parseCIDR(topology.header.underlay.cidr);
  topology.header.external.forEach((x, i) => {
    const X = names.external(x.name);
    const port = underlayPort('x', i, 'eth0');
    const mtu = String(topology.header.underlay.mtu);
    namespaces.push({ name: X, role: 'external', object: `ext ${x.name}`, ip: x.ip });
    c.push(
      { argv: ['ip', 'netns', 'add', X] },
      ip(X, 'link', 'set', 'lo', 'up'),
      ip(U, 'link', 'add', port, 'mtu', mtu, 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', mtu, 'netns', X),
      ip(U, 'link', 'set', port, 'master', UNDERLAY_BRIDGE, 'up'),
      ip(X, 'link', 'set', 'eth0', 'up'),
      ip(X, 'addr', 'add', `${x.ip}/${underlay?.prefix ?? 24}`, 'dev', 'eth0'),
    );
  });
  for (const n of nodes) {
    // the sets before the rules that match them
    const sets = inputs.ipsets?.get(n.name);
    if (sets) c.push({ argv: ['ip', 'netns', 'exec', names.node(n.name), 'ipset', 'restore'], stdin: sets });
    const rules = inputs.rulesets.get(n.name);
    if (rules) c.push({ argv: ['ip', 'netns', 'exec', names.node(n.name), 'iptables-restore'], stdin: rules });
    const rules6 = inputs.rulesets6?.get(n.name);
    if (rules6) c.push({ argv: ['ip', 'netns', 'exec', names.node(n.name), 'ip6tables-restore'], stdin: rules6 });
    const nft = inputs.nftRulesets?.get(n.name);
    if (nft) c.push({ argv: ['ip', 'netns', 'exec', names.node(n.name), NFT_BINARY, '-f', '-'], stdin: nft });
    const ct = sysctlCommand(names.node(n.name), inputs.kernels.get(n.name)!.root, 'conntrack');
    if (ct) c.push(ct);
  }
  const podNetns = new Map(namespaces.filter((n) => n.role === 'pod').map((n) => [n.object.slice(4), n.name]));
  const dnsServers = inputs.corednsPods.filter((p) => podNetns.has(p.pod)).map((p) => ({ netns: podNetns.get(p.pod)!, pod: p.pod, ip: p.ip }));
  const files: EtcFile[] = [];
  for (const [pod, f] of [...inputs.podFiles].sort(([a], [b]) => a.localeCompare(b))) {
    const netns = podNetns.get(pod);
    if (!netns) continue;
    files.push({ path: `${ETC_NETNS}/${netns}/resolv.conf`, content: f.resolvConf }, { path: `${ETC_NETNS}/${netns}/hosts`, content: f.hosts });
  }
  for (const n of nodes) if (n.resolvConf !== undefined) files.push({ path: `${ETC_NETNS}/${names.node(n.name)}/resolv.conf`, content: n.resolvConf });
  const aliases = store
    .list('Pod')
    .filter((p) => p.spec.hostNetwork && p.spec.nodeName && nodes.some((n) => n.name === p.spec.nodeName))
    .map((p) => ({ object: `pod ${p.metadata.namespace ?? 'default'}/${p.metadata.name}`, netns: names.node(p.spec.nodeName!) }));
  const skip = new Set(dnsServers.map((d) => `${d.netns} udp/53`).concat(dnsServers.map((d) => `${d.netns} tcp/53`)));
  const ipvsLeftOut = nodes.filter((n) => inputs.ipvsTables?.has(n.name)).map((n) => ({ node: n.name, virtualServers: inputs.ipvsTables!.get(n.name)! }));
  return { prefix, namespaces, commands: c, responders: responders(store, kernels, names, nodes.map((n) => n.name), skip), dnsServers, files, aliases, ipvsLeftOut };
}

/**
 * The sockets the cluster implies: every declared containerPort of a pod (in the pod's namespace,
 * or the node's for a hostNetwork pod), and endpoints of Services that are a node's own address
 * (the API server behind `kubernetes`), answered for by that node. `taken` holds the sockets a
 * DNS server already has (`NETNS proto/port`).
 */
function responders(store: Store, kernels: ReadonlyMap<string, NodeKernel>, names: LabNames, nodes: string[], taken: Set<string>): ResponderSpec[] {
  const out = new Map<string, ResponderSpec>();
  const add = (netns: string, receiver: string, key: string): void => {
    if (taken.has(`${netns} ${key}`)) return;
    taken.add(`${netns} ${key}`);
    const r = out.get(`${netns} ${receiver}`) ?? { netns, receiver, listen: [] };
    r.listen.push(key);
    out.set(`${netns} ${receiver}`, r);
  };
  for (const node of nodes) {
    const k = kernels.get(node)!;
    const pods = store.list('Pod').filter((p) => p.spec.nodeName === node).sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    for (const p of pods) {
      const ns = p.metadata.namespace ?? 'default';
      const netns = p.spec.hostNetwork ? names.node(node) : k.pod(`${ns}/${p.metadata.name}`) ? names.pod(ns, p.metadata.name) : undefined;
      if (!netns) continue;
      for (const ctr of p.spec.containers) for (const port of ctr.ports ?? []) if (port.protocol !== 'SCTP') add(netns, `pod ${ns}/${p.metadata.name}`, listenKey(port.protocol, port.containerPort));
    }
  }
  for (const slice of store.list('EndpointSlice')) {
    for (const ep of slice.endpoints ?? []) {
      for (const a of ep.addresses) {
        const node = nodes.find((n) => kernels.get(n)!.root.isLocal(a) && a !== '127.0.0.1');
        if (!node) continue;
        for (const p of slice.ports ?? []) if (p.port !== undefined && p.protocol !== 'SCTP') add(names.node(node), `node ${node}`, listenKey(p.protocol, p.port));
      }
    }
  }
  return [...out.values()];
}

/** The programs the plan's commands run (inside a namespace: the one `ip netns exec` starts), in first-use order. */
export function planTools(plan: LabPlan): string[] {
  const tools = new Set<string>();
  for (const { argv } of plan.commands) tools.add(argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec' ? argv[4]! : argv[0]!);
  return [...tools];
}

/** The plan as the commands a shell would run, one a line (what `knet lab up --dry-run` prints). */
export function formatPlan(plan: LabPlan, responderScript = 'responder.js', dnsScript = 'dns.js', files: string[] = []): string {
  const quote = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
  const heredoc = (text: string): string => ` <<'EOF'\n${text.replace(/\n?$/, '\n')}EOF`;
  const lines: string[] = plan.ipvsLeftOut.map((x) => `# ${x.node}: its IPVS table (${x.virtualServers} virtual servers, knet rules ipvs --format save) is not loaded: ${IPVS_LEFT_OUT}`);
  for (const c of plan.commands) lines.push(c.argv.map(quote).join(' ') + (c.stdin ? heredoc(c.stdin) : ''));
  const dirs = new Set<string>();
  for (const f of plan.files) {
    const dir = f.path.slice(0, f.path.lastIndexOf('/'));
    if (!dirs.has(dir)) lines.push(`mkdir -p ${quote(dir)}`);
    dirs.add(dir);
    lines.push(`cat > ${quote(f.path)}${heredoc(f.content)}`);
  }
  for (const d of plan.dnsServers) lines.push(['ip', 'netns', 'exec', d.netns, 'node', dnsScript, d.pod, d.ip, ...files].map(quote).join(' ') + ' &');
  for (const r of plan.responders) lines.push(['ip', 'netns', 'exec', r.netns, 'node', responderScript, r.receiver, ...r.listen].map(quote).join(' ') + ' &');
  return `${lines.join('\n')}\n`;
}

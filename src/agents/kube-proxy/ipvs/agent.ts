// kube-proxy in IPVS mode on one node, for one IP family: watches the store (through the same
// Service views as every mode) and, on each sync, writes the node's kernel only through its
// interfaces — the kube-ipvs0 dummy link and its addresses, ipset create/add/del, IPVS service
// and destination add/edit/del (with graceful termination of TCP real servers), sysctls — and
// pipes the IPVS-mode rules to iptables-restore --noflush. kube-proxy compares every Service
// with the kernel on every sync; knet leaves the same kernel state by writing only what the
// changed Services' plans change, and compares everything again whenever the kernel's state
// moved under it (someone else's ipset, ipvsadm or ip addr) or the node's own addresses did.
import type { Store } from '../../../api/store.js';
import type { NodeKernel } from '../../../kernel/node.js';
import { applyRestore } from '../../../kernel/netfilter/restore.js';
import { Rule } from '../../../kernel/netfilter/rule.js';
import { Ruleset, type TableName } from '../../../kernel/netfilter/ruleset.js';
import type { SetOptions } from '../../../kernel/ipset/table.js';
import type { IpvsTable } from '../../../kernel/ipvs/table.js';
import { durationMs } from '../settings.js';
import { stableMac } from '../../../net/mac.js';
import { cidrContains, parseCIDR, type Family, hostPort } from '../../../net/ip.js';
import type { ClusterNode, KubeProxyConfig } from '../../../topology/config.js';
import { proxierSettings, type ProxierSettings } from '../settings.js';
import type { ServiceState } from '../objects.js';
import { ChangeTracker } from '../tracker.js';
import { DesiredState, type PlanDiff } from './desired.js';
import { FILTER_CHAINS, NAT_CHAINS, excluded, ipvsRules, planFor, type IpvsSettings, type NodeAddresses, type RuleLine, type ServicePlan, type VirtualServerPlan } from './proxier.js';
import { KUBE_IPVS_IPS, SET_DEFS, setName } from './sets.js';
import { sameServer, sharedSyncFor, type SharedSync } from './shared.js';

export const KUBE_IPVS0 = 'kube-ipvs0';

/** Jump rules kube-proxy prepends (if absent) on every sync, in its order (iptablesJumpChain). */
export const IPVS_JUMPS: readonly [TableName, string, string, string][] = [
  ['nat', 'OUTPUT', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'PREROUTING', 'KUBE-SERVICES', 'kubernetes service portals'],
  ['nat', 'POSTROUTING', 'KUBE-POSTROUTING', 'kubernetes postrouting rules'],
  ['filter', 'FORWARD', 'KUBE-FORWARD', 'kubernetes forwarding rules'],
  ['filter', 'INPUT', 'KUBE-NODE-PORT', 'kubernetes health check rules'],
  ['filter', 'INPUT', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'FORWARD', 'KUBE-PROXY-FIREWALL', 'kube-proxy firewall rules'],
  ['filter', 'INPUT', 'KUBE-IPVS-FILTER', 'kubernetes ipvs access filter'],
  ['filter', 'OUTPUT', 'KUBE-IPVS-OUT-FILTER', 'kubernetes ipvs access filter'],
];

export interface IpvsSyncResult {
  /** What was piped to iptables-restore --noflush. */
  input: Ruleset;
  /** The same input as kube-proxy writes it (nat, then filter; rules in writeIptablesRules order). */
  restoreText: string;
}

export class KubeProxyIpvs {
  /** This node's netfilter tables as kube-proxy's syncs left them. */
  readonly kernel: Ruleset;
  readonly settings: ProxierSettings;
  readonly ipvsSettings: IpvsSettings;
  lastSync?: IpvsSyncResult;
  /** The Service views (the "rules" of a Service are its view: the plan is computed whole each sync). */
  private readonly views: ChangeTracker<ServiceState>;
  /** Node kernels' xtables this kube-proxy also writes (the node agents' kernel). */
  private readonly attached: Ruleset[] = [];
  private readonly nodePortCIDRs: string[];
  private needSync = true;
  private desired = new DesiredState();
  /** The kernel's change counters for what this proxier writes, as its last sync left them. */
  private written?: string;
  /** The node's addresses the plans were made for, and the address change count they were read at. */
  private nodeAddrs?: { changes: number; addrs: NodeAddresses; text: string };
  /** Virtual servers with removed TCP real servers still draining (weight 0 until their connections end). */
  private readonly draining = new Map<string, VirtualServerPlan>();

  constructor(
    private readonly store: Store,
    cluster: ClusterNode,
    config: KubeProxyConfig,
    readonly family: Family,
    readonly node: NodeKernel,
  ) {
    this.settings = proxierSettings(cluster, config, family, store.get('Node', undefined, cluster.name));
    this.ipvsSettings = { scheduler: config.ipvs.scheduler || 'rr', excludeCIDRs: config.ipvs.excludeCIDRs, strictARP: config.ipvs.strictARP };
    this.kernel = new Ruleset(family, 'kernel');
    this.views = new ChangeTracker(store, this.settings, (_s, st) => st);
    this.nodePortCIDRs = config.nodePortAddresses.filter((c) => parseCIDR(c, true)?.family === family);
    const t = node.ipvs.conns.timeouts;
    t.tcp = durationMs(config.ipvs.tcpTimeout) / 1000 || t.tcp;
    t.tcpfin = durationMs(config.ipvs.tcpFinTimeout) / 1000 || t.tcpfin;
    t.udp = durationMs(config.ipvs.udpTimeout) / 1000 || t.udp;
  }

  stop(): void {
    this.views.stop();
  }

  get pending(): boolean {
    this.views.update();
    return this.needSync || this.views.changed.size > 0;
  }

  /** Writes every sync (and the jumps) into a kernel's xtables too. */
  attach(kernel: Ruleset): void {
    if (this.attached.includes(kernel)) return;
    this.attached.push(kernel);
    this.needSync = true;
  }

  get ipvs(): IpvsTable {
    return this.node.ipvs;
  }

  /** NodePort addresses: every address of the family outside kube-ipvs0, loopback and link-local (or those in --nodeport-addresses). */
  nodePortIPs(): string[] {
    const out: string[] = [];
    const cidrs = this.nodePortCIDRs.map((c) => parseCIDR(c, true)!).filter((c) => c.prefix > 0);
    for (const a of this.node.root.addressesOf(undefined, this.family)) {
      if (a.dev === KUBE_IPVS0 || out.includes(a.address)) continue;
      const loop = this.family === 4 ? a.address.startsWith('127.') : a.address === '::1';
      if (loop || a.scope === 'link' || a.address.startsWith('fe80:')) continue;
      if (cidrs.length && !cidrs.some((c) => cidrContains(c, a.address))) continue;
      out.push(a.address);
    }
    return out;
  }

  sync(): IpvsSyncResult {
    const fam = this.family;
    this.views.update();
    this.sysctls();
    const ns = this.node.root;
    if (!ns.link(KUBE_IPVS0)) ns.addLink({ kind: 'dummy', name: KUBE_IPVS0, mac: stableMac(`${this.node.nodeName}/${KUBE_IPVS0}`), mtu: 1500, up: false });
    const before = this.nodeAddrs?.text;
    const node = this.nodeAddresses();
    const plan = (key: string): ReturnType<typeof planFor> | undefined => {
      const st = this.views.rulesFor(key, false);
      return st && planFor(this.settings, this.ipvsSettings, st, node);
    };
    const changed = this.views.changed;
    const replan = node.text !== before;
    if (replan || this.written !== this.kernelMark()) {
      // everything again: every Service's plan (each made anew if the node's addresses moved) against the kernel
      const fresh = replan ? undefined : changed;
      const list = this.views.serviceRules(false);
      const keys: string[] = [];
      const plans: ServicePlan[] = [];
      // loops over the list's views (no second lookup per Service): a node's first sync does this for every one
      for (const { key, rules } of list) {
        keys.push(key);
        plans.push(!fresh || fresh.has(key) ? planFor(this.settings, this.ipvsSettings, rules, node) : this.desired.plan(key)!);
      }
      this.fullSync(keys, plans);
    } else this.write(this.desired.change([...changed].sort().map((k) => [k, plan(k)])));

    const rules = ipvsRules(this.settings, (set) => this.desired.has(set), this.desired.outFilter());
    const input = restoreRuleset(fam, rules);
    for (const rs of [this.kernel, ...this.attached]) {
      applyRestore(rs, input);
      this.ensureJumps(rs);
    }
    this.views.synced();
    this.needSync = false;
    this.written = this.kernelMark();
    this.lastSync = { input, restoreText: restoreText(rules) };
    return this.lastSync;
  }

  /** The change counters of everything this proxier writes: its ipsets, its family's IPVS services and kube-ipvs0's addresses. */
  private kernelMark(): string {
    const k = this.node;
    return [k.ipvs.generation(this.family), k.root.addressChanges(this.family, KUBE_IPVS0), ...SET_DEFS.map((d) => k.ipsets.generation(setName(d.name, this.family)))].join(' ');
  }

  /** NodePort addresses and every address outside kube-ipvs0, read again only when one of them changed. */
  private nodeAddresses(): NodeAddresses & { text: string } {
    const ns = this.node.root;
    const changes = [4, 6].reduce((n, f) => n + ns.addressChanges(f as Family) - ns.addressChanges(f as Family, KUBE_IPVS0), 0);
    if (this.nodeAddrs?.changes !== changes) {
      const local = new Set<string>();
      for (const a of ns.addresses) if (a.dev !== KUBE_IPVS0) local.add(a.address);
      const addrs = { nodePortIPs: this.nodePortIPs(), local };
      this.nodeAddrs = { changes, addrs, text: JSON.stringify([addrs.nodePortIPs, [...local]]) };
    }
    return { ...this.nodeAddrs.addrs, text: this.nodeAddrs.text };
  }

  private sysctls(): void {
    const sc = this.node.root.sysctl;
    sc.set('net.ipv4.vs.conntrack', 1);
    sc.set('net.ipv4.vs.expire_nodest_conn', 1);
    sc.set('net.ipv4.vs.expire_quiescent_template', 1);
    sc.set('net.ipv4.ip_forward', 1);
    if (this.ipvsSettings.strictARP) {
      sc.set('net.ipv4.conf.all.arp_ignore', 1);
      sc.set('net.ipv4.conf.all.arp_announce', 2);
    }
  }

  private setOptions(type: string): SetOptions {
    const base = { family: this.family, hashsize: 1024, maxelem: 65536 };
    return type === 'bitmap:port' ? { ...base, range: { from: 0, to: 65535 } } : base;
  }

  /**
   * Every Service's plan against the kernel. What every node writes alike comes from the shared
   * sync (the desired state copied, an empty set, table or kube-ipvs0 given its share whole);
   * what this node's plans change there is counted and written here.
   */
  private fullSync(keys: readonly string[], plans: readonly ServicePlan[]): void {
    const got = sharedSyncFor(this.store, this.family, keys, plans, (type) => this.setOptions(type), KUBE_IPVS0);
    const desired = got?.shared.desired.clone();
    const recount = got && desired?.rebase(keys, got.shared.plans, plans, got.differ, (set) => got.shared.plansWith(set));
    if (!got || !desired || !recount) {
      this.desired.reset(keys, plans);
      this.syncSets();
      this.syncAddresses();
      return this.syncAllServices(keys);
    }
    this.desired = desired;
    this.syncSets(got.shared, recount);
    this.syncAddresses(got.shared, recount);
    const t = this.node.ipvs;
    if (t.size(this.family) !== 0) return this.syncAllServices(keys);
    // the table takes the shared servers; the ones this node's plans change are written as syncVirtualServer would
    this.draining.clear();
    t.adopt(this.family, got.shared.services);
    const was = new Map<string, VirtualServerPlan>();
    const wanted = new Set<string>();
    for (const i of got.differ) {
      for (const vs of got.shared.plans[i]!.services) was.set(vs.key, vs);
      for (const vs of plans[i]!.services) wanted.add(vs.key);
    }
    for (const [key, vs] of was) if (!wanted.has(key)) t.delService(vs.proto, vs.addr, vs.port);
    for (const i of got.differ) {
      for (const vs of plans[i]!.services) {
        const old = was.get(vs.key);
        if (!old || !sameServer(old, vs)) this.syncVirtualServer(vs);
      }
    }
  }

  /** Every set against the plans: entries nobody wants go, missing ones are added (an empty set the shared sync's members, unless recounted here). */
  private syncSets(shared?: SharedSync, recount?: ReadonlySet<string>): void {
    const t = this.node.ipsets;
    for (const d of SET_DEFS) {
      const name = setName(d.name, this.family);
      const set = t.create(name, d.type, this.setOptions(d.type), true);
      if (shared && set.size === 0 && !recount?.has(d.name)) {
        const from = shared.set(name);
        if (from.size) t.fill(name, from);
        continue;
      }
      for (const m of [...set.members.keys()]) if (!this.desired.wants(d.name, m)) t.del(name, m);
      for (const e of this.desired.entriesOf(d.name)) if (!set.members.has(e)) t.add(name, e, true);
    }
  }

  private syncAddresses(shared?: SharedSync, recount?: ReadonlySet<string>): void {
    const ns = this.node.root;
    if (shared && !recount?.has(KUBE_IPVS_IPS) && ns.addressesOf(KUBE_IPVS0, this.family).length === 0) {
      if (shared.addresses.addresses.length) ns.addHostAddresses(shared.addresses);
      return;
    }
    for (const a of ns.addressesOf(KUBE_IPVS0, this.family)) if (!this.desired.wants(KUBE_IPVS_IPS, a.address)) ns.deleteAddress(KUBE_IPVS0, a.address);
    const have = new Set(ns.addressesOf(KUBE_IPVS0, this.family).map((a) => a.address));
    for (const ip of this.desired.bound()) if (!have.has(ip)) this.bindAddress(ip);
  }

  private bindAddress(ip: string): void {
    this.node.root.addAddress({ family: this.family, dev: KUBE_IPVS0, address: ip, prefix: this.family === 4 ? 32 : 128, scope: 'global' });
  }

  /** Every virtual server against the plans (in Service key order), then the ones no Service has any more. */
  private syncAllServices(keys: readonly string[]): void {
    const t = this.node.ipvs;
    const active = new Set<string>();
    this.draining.clear();
    for (const vs of this.desired.services(keys)) {
      active.add(vs.key);
      this.syncVirtualServer(vs);
    }
    // every wanted one is there now, so an equal count means nothing else is
    if (t.size(this.family) === active.size) return;
    for (const [key, svc] of t.byServiceKey()) {
      if (svc.family !== this.family || active.has(key)) continue;
      if (excluded(this.ipvsSettings, svc.addr)) continue;
      t.delService(svc.proto, svc.addr, svc.port);
    }
  }

  /** A partial sync: only what the changed Services' plans change, and the real servers still draining. */
  private write(diff: PlanDiff): void {
    const t = this.node.ipsets;
    for (const [set, e] of diff.entriesGone) if (t.has(setName(set, this.family), e)) t.del(setName(set, this.family), e);
    for (const [set, e] of diff.entriesNew) t.add(setName(set, this.family), e, true);
    for (const ip of diff.bindGone) this.node.root.deleteAddress(KUBE_IPVS0, ip);
    for (const ip of diff.bindNew) this.bindAddress(ip);
    // a virtual server two Services want is written as kube-proxy's walk over all of them leaves it
    if (this.desired.hasShared) return this.syncAllServices(this.views.serviceRules(false).map((x) => x.key));
    const ipvs = this.node.ipvs;
    const done = new Set<string>();
    for (const vs of diff.services) {
      done.add(vs.key);
      this.syncVirtualServer(vs);
    }
    for (const vs of diff.servicesGone) {
      this.draining.delete(vs.key);
      if (!excluded(this.ipvsSettings, vs.addr) && ipvs.service(vs.proto, vs.addr, vs.port)) ipvs.delService(vs.proto, vs.addr, vs.port);
    }
    for (const [key, vs] of [...this.draining]) if (!done.has(key)) this.syncVirtualServer(vs);
  }

  /** One virtual server brought to its plan; a removed TCP real server with connections is quiesced (weight 0) until they drain. */
  private syncVirtualServer(vs: VirtualServerPlan): void {
    const t = this.node.ipvs;
    const key = vs.key;
    let svc = t.serviceByKey(key);
    if (!svc) {
      svc = t.addService({ family: this.family, proto: vs.proto, addr: vs.addr, port: vs.port, scheduler: vs.scheduler, flags: vs.flags, timeout: vs.timeout });
      for (const d of vs.dests) t.addDest(svc, { addr: d.ip, port: d.port, weight: 1 });
      return void this.draining.delete(key);
    }
    if (svc.scheduler !== vs.scheduler || svc.flags !== vs.flags || svc.timeout !== vs.timeout) {
      t.editService({ family: this.family, proto: vs.proto, addr: vs.addr, port: vs.port, scheduler: vs.scheduler, flags: vs.flags, timeout: vs.timeout });
    }
    const have = new Map(svc.dests.map((rs) => [hostPort(rs.addr, rs.port), rs]));
    for (const d of vs.dests) {
      const rs = have.get(d.hostPort);
      if (!rs) t.addDest(svc, { addr: d.ip, port: d.port, weight: 1 });
      else if (rs.weight !== 1) t.editDest(svc, { addr: d.ip, port: d.port, weight: 1 });
    }
    // every wanted one is there now, so an equal count means nothing else is
    if (svc.dests.length === vs.dests.length) return void this.draining.delete(key);
    const want = new Set(vs.dests.map((d) => d.hostPort));
    let draining = false;
    for (const rs of [...svc.dests]) {
      if (want.has(hostPort(rs.addr, rs.port))) continue;
      const busy = vs.proto === 'TCP' && rs.activeConns + rs.inactConns > 0;
      if (!busy) t.delDest(svc, rs.addr, rs.port);
      else {
        draining = true;
        if (rs.weight !== 0) t.editDest(svc, { addr: rs.addr, port: rs.port, weight: 0 });
      }
    }
    if (draining) this.draining.set(key, vs);
    else this.draining.delete(key);
  }

  private ensureJumps(rs: Ruleset): void {
    for (const [table, from, to, comment] of IPVS_JUMPS) {
      const t = rs.table(table);
      t.ensureChain(to);
      const rule = new Rule(table, from, `-m comment --comment "${comment}" -j ${to}`, this.family);
      const chain = t.chain(from)!;
      if (!chain.rules.some((r) => r.saveText === rule.saveText)) chain.insert(rule, 1);
    }
  }
}

function restoreRuleset(family: Family, rules: readonly RuleLine[]): Ruleset {
  const rs = new Ruleset(family, 'restore');
  for (const c of NAT_CHAINS) rs.table('nat').ensureChain(c);
  for (const c of FILTER_CHAINS) rs.table('filter').ensureChain(c);
  const byChain = new Map<string, Rule[]>();
  for (const r of rules) {
    const k = `${r.table} ${r.chain}`;
    let list = byChain.get(k);
    if (!list) byChain.set(k, (list = []));
    list.push(new Rule(r.table, r.chain, r.text, family));
  }
  for (const [k, list] of byChain) {
    const [table, chain] = k.split(' ') as [TableName, string];
    rs.table(table).chain(chain)!.setRules(list);
  }
  return rs;
}

/** The restore input as kube-proxy builds it: nat chains and rules, then filter's. */
export function restoreText(rules: readonly RuleLine[]): string {
  let out = '*nat\n';
  for (const c of NAT_CHAINS) out += `:${c} - [0:0]\n`;
  for (const r of rules) if (r.table === 'nat') out += `-A ${r.chain} ${r.text}\n`;
  out += 'COMMIT\n*filter\n';
  for (const c of FILTER_CHAINS) out += `:${c} - [0:0]\n`;
  for (const r of rules) if (r.table === 'filter') out += `-A ${r.chain} ${r.text}\n`;
  return out + 'COMMIT\n';
}

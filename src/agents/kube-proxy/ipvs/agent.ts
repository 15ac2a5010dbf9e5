// kube-proxy in IPVS mode on one node, for one IP family: watches the store (through the same
// Service views as every mode) and, on each sync, writes the node's kernel only through its
// interfaces — the kube-ipvs0 dummy link and its addresses, ipset create/add/del, IPVS service
// and destination add/edit/del (with graceful termination of TCP real servers), sysctls — and
// pipes the IPVS-mode rules to iptables-restore --noflush.
import type { Store } from '../../../api/store.js';
import type { NodeKernel } from '../../../kernel/node.js';
import { applyRestore } from '../../../kernel/netfilter/restore.js';
import { Rule } from '../../../kernel/netfilter/rule.js';
import { Ruleset, type TableName } from '../../../kernel/netfilter/ruleset.js';
import type { IpvsTable } from '../../../kernel/ipvs/table.js';
import { durationMs } from '../settings.js';
import { stableMac } from '../../../net/mac.js';
import { cidrContains, parseCIDR, type Family } from '../../../net/ip.js';
import type { ClusterNode, KubeProxyConfig } from '../../../topology/config.js';
import { proxierSettings, type ProxierSettings } from '../settings.js';
import type { ServiceState } from '../objects.js';
import { ChangeTracker } from '../tracker.js';
import { FILTER_CHAINS, NAT_CHAINS, excluded, ipvsPlan, type IpvsPlan, type IpvsSettings, type RuleLine } from './proxier.js';
import { SET_DEFS, setName } from './sets.js';

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
  plan: IpvsPlan;
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

  constructor(
    store: Store,
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
    const local = new Set(ns.addressesOf().filter((a) => a.dev !== KUBE_IPVS0).map((a) => a.address));
    const states = this.views.serviceRules(false).map((x) => x.rules);
    const plan = ipvsPlan(this.settings, this.ipvsSettings, states, { nodePortIPs: this.nodePortIPs(), local });

    this.syncSets(plan);
    this.syncAddresses(plan);
    this.syncServices(plan);

    const input = restoreRuleset(fam, plan.rules);
    for (const rs of [this.kernel, ...this.attached]) {
      applyRestore(rs, input);
      this.ensureJumps(rs);
    }
    this.views.synced();
    this.needSync = false;
    this.lastSync = { plan, input, restoreText: restoreText(plan.rules) };
    return this.lastSync;
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

  private syncSets(plan: IpvsPlan): void {
    const t = this.node.ipsets;
    for (const d of SET_DEFS) {
      const name = setName(d.name, this.family);
      const opts = d.type === 'bitmap:port' ? { family: this.family, hashsize: 1024, maxelem: 65536, range: { from: 0, to: 65535 } } : { family: this.family, hashsize: 1024, maxelem: 65536 };
      const set = t.create(name, d.type, opts, true);
      const want = new Set(plan.sets.get(d.name) ?? []);
      for (const m of [...set.members.keys()]) if (!want.has(m)) t.del(name, m);
      for (const e of want) if (!set.members.has(e)) t.add(name, e, true);
    }
  }

  private syncAddresses(plan: IpvsPlan): void {
    const ns = this.node.root;
    const want = new Set(plan.bind);
    for (const a of ns.addressesOf(KUBE_IPVS0, this.family)) if (!want.has(a.address)) ns.deleteAddress(KUBE_IPVS0, a.address);
    const have = new Set(ns.addressesOf(KUBE_IPVS0, this.family).map((a) => a.address));
    for (const ip of plan.bind) {
      if (!have.has(ip)) ns.addAddress({ family: this.family, dev: KUBE_IPVS0, address: ip, prefix: this.family === 4 ? 32 : 128, scope: 'global' });
    }
  }

  private syncServices(plan: IpvsPlan): void {
    const t = this.node.ipvs;
    const active = new Set<string>();
    for (const vs of plan.services) {
      const spec = { family: this.family, proto: vs.proto, addr: vs.addr, port: vs.port, scheduler: vs.scheduler, flags: vs.flags, timeout: vs.timeout };
      let svc = t.service(vs.proto, vs.addr, vs.port);
      if (!svc) svc = t.addService(spec);
      else if (svc.scheduler !== spec.scheduler || svc.flags !== spec.flags || svc.timeout !== spec.timeout) t.editService(spec);
      active.add(`${vs.proto} ${vs.addr} ${vs.port}`);
      const want = new Set(vs.dests.map((d) => `${d.addr} ${d.port}`));
      for (const d of vs.dests) {
        const rs = svc.dests.find((x) => x.addr === d.addr && x.port === d.port);
        if (!rs) t.addDest(svc, { addr: d.addr, port: d.port, weight: 1 });
        else if (rs.weight !== 1) t.editDest(svc, { addr: d.addr, port: d.port, weight: 1 });
      }
      // graceful termination: a TCP real server with connections is quiesced (weight 0) until they drain
      for (const rs of [...svc.dests]) {
        if (want.has(`${rs.addr} ${rs.port}`)) continue;
        const busy = vs.proto === 'TCP' && rs.activeConns + rs.inactConns > 0;
        if (!busy) t.delDest(svc, rs.addr, rs.port);
        else if (rs.weight !== 0) t.editDest(svc, { addr: rs.addr, port: rs.port, weight: 0 });
      }
    }
    for (const svc of t.services()) {
      if (svc.family !== this.family || active.has(`${svc.proto} ${svc.addr} ${svc.port}`)) continue;
      if (excluded(this.ipvsSettings, svc.addr)) continue;
      t.delService(svc.proto, svc.addr, svc.port);
    }
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

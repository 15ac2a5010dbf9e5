// kube-proxy in iptables mode on one node, for one IP family: watches the store, keeps the
// node's netfilter state (its own model of the kernel tables) current, and records what each
// sync sent to iptables-restore — full syncs (start-up, forced, after a failure) and partial
// ones (only the chains of Services that changed, stale chains flushed and deleted).
import type { Store } from '../../../api/store.js';
import type { Node } from '../../../api/types.js';
import type { Family } from '../../../net/ip.js';
import { applyRestore, formatRestore } from '../../../kernel/netfilter/restore.js';
import { Rule } from '../../../kernel/netfilter/rule.js';
import { Ruleset, type Table, type TableName } from '../../../kernel/netfilter/ruleset.js';
import type { ClusterNode, KubeProxyConfig } from '../../../topology/config.js';
import { LARGE_CLUSTER_ENDPOINTS_THRESHOLD, proxierSettings, type ProxierSettings } from '../settings.js';
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_CANARY,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
  isServiceChain,
} from './chains.js';
import { ChangeTracker } from '../tracker.js';
import type { EntryRuns } from './entry-source.js';
import { restoreInput } from './proxier.js';
import { sharedServiceRules, type ServiceRules } from './service-rules.js';

/** Jump rules kube-proxy inserts (iptables -I … 1, if absent) on every full sync, in its order. */
export const KUBE_PROXY_JUMPS: readonly [TableName, string, string, string][] = [
  ['filter', 'INPUT', KUBE_EXTERNAL_SERVICES, '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals"'],
  ['filter', 'FORWARD', KUBE_EXTERNAL_SERVICES, '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals"'],
  ['filter', 'INPUT', KUBE_NODEPORTS, '-m comment --comment "kubernetes health check service ports"'],
  ['filter', 'FORWARD', KUBE_SERVICES, '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals"'],
  ['filter', 'OUTPUT', KUBE_SERVICES, '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals"'],
  ['filter', 'FORWARD', KUBE_FORWARD, '-m comment --comment "kubernetes forwarding rules"'],
  ['filter', 'INPUT', KUBE_PROXY_FIREWALL, '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"'],
  ['filter', 'OUTPUT', KUBE_PROXY_FIREWALL, '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"'],
  ['filter', 'FORWARD', KUBE_PROXY_FIREWALL, '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"'],
  ['nat', 'OUTPUT', KUBE_SERVICES, '-m comment --comment "kubernetes service portals"'],
  ['nat', 'PREROUTING', KUBE_SERVICES, '-m comment --comment "kubernetes service portals"'],
  ['nat', 'POSTROUTING', KUBE_POSTROUTING, '-m comment --comment "kubernetes postrouting rules"'],
  // kubelet's chain: kube-proxy makes sure of the jumps too
  ['filter', 'INPUT', KUBE_FIREWALL, ''],
  ['filter', 'OUTPUT', KUBE_FIREWALL, ''],
];

/** Tables kube-proxy's iptables monitor keeps its canary chain in. */
export const CANARY_TABLES: readonly TableName[] = ['mangle', 'nat', 'filter'];

export interface SyncResult {
  full: boolean;
  /** What was piped to iptables-restore --noflush. */
  input: Ruleset;
  /** Services whose chains this sync rewrote (all on a full sync). */
  changed: string[];
  /** Service chains this sync flushed and deleted. */
  deleted: string[];
  /** Service chains in the nat table before the sync (what kube-proxy's iptables-save found). */
  natChainsBefore: () => string[];
}

export interface KubeProxyIptablesOptions {
  /** The emulation's clock (ms): large clusters delete stale chains at most once per syncPeriod. */
  now?: () => number;
}

export class KubeProxyIptables {
  /** This node's netfilter tables as the kernel holds them after the syncs so far. */
  readonly kernel: Ruleset;
  readonly settings: ProxierSettings;
  /** When stale chains were last looked for (kube-proxy's lastIPTablesCleanup). */
  lastCleanup = Number.NEGATIVE_INFINITY;
  /** The most recent sync. */
  lastSync?: SyncResult;
  /** Node kernels' xtables this kube-proxy programs (each sync's restore goes to them too). */
  private readonly attached: Ruleset[] = [];
  private needFullSync = true;
  private syncs = 0;
  private readonly tracker: ChangeTracker<ServiceRules>;
  private readonly now: () => number;
  /** Service key → its rules as the last sync wrote them. */
  private readonly written = new Map<string, ServiceRules>();
  private readonly entries: { last?: EntryRuns } = {};
  /** Chains that stopped being produced and wait for the next cleanup, with the Service that produced them. */
  private readonly staleCandidates = new Map<string, string>();
  private readonly unwatchNode: () => void;

  constructor(
    store: Store,
    node: ClusterNode,
    config: KubeProxyConfig,
    family: Family,
    opts: KubeProxyIptablesOptions = {},
  ) {
    this.settings = proxierSettings(node, config, family, store.get('Node', undefined, node.name));
    this.kernel = new Ruleset(family, 'kernel');
    this.now = opts.now ?? (() => 0);
    for (const t of CANARY_TABLES) this.kernel.table(t).ensureChain(KUBE_PROXY_CANARY);
    this.tracker = new ChangeTracker(store, this.settings, sharedServiceRules);
    let labels = topologyLabels(store.get('Node', undefined, node.name));
    this.unwatchNode = store.watch('Node', store.resourceVersion, (ev) => {
      if (ev.object.metadata.name !== node.name || ev.type === 'DELETED') return;
      const next = topologyLabels(ev.object);
      if (next !== labels) this.needFullSync = true;
      labels = next;
    });
  }

  stop(): void {
    this.tracker.stop();
    this.unwatchNode();
  }

  /** Whether a sync would write anything new (a full sync is due, or a Service changed). */
  get pending(): boolean {
    this.tracker.update();
    return this.needFullSync || this.tracker.changed.size > 0;
  }

  /**
   * Programs a node kernel's xtables from now on: the next sync is a full one, so the kernel
   * gets every chain and jump, as after kube-proxy starts on a node.
   */
  attach(kernel: Ruleset): void {
    if (this.attached.includes(kernel)) return;
    this.attached.push(kernel);
    for (const t of CANARY_TABLES) kernel.table(t).ensureChain(KUBE_PROXY_CANARY);
    this.needFullSync = true;
  }

  /** Asks for a full resync (kube-proxy's forceSyncProxyRules). */
  forceFullSync(): void {
    this.needFullSync = true;
  }

  /** Runs syncProxyRules: computes the restore input, applies it to the kernel model. */
  sync(): SyncResult {
    const s = this.settings;
    this.tracker.update();
    const full = this.needFullSync;
    if (full) this.ensureJumps();
    const large = this.tracker.largeClusterMode(LARGE_CLUSTER_ENDPOINTS_THRESHOLD);
    const services = this.tracker.serviceRules(large);
    const changed = full ? services.map((x) => x.key) : [...this.tracker.changed];

    // Chains a changed Service no longer produces wait for the next cleanup.
    const visit = (key: string): void => {
      const prev = this.written.get(key);
      const next = this.tracker.rulesOf(key);
      if (prev === next) return;
      if (prev) for (const c of prev.chains.keys()) if (!next?.chains.has(c)) this.staleCandidates.set(c, key);
      if (next) this.written.set(key, next);
      else this.written.delete(key);
    };
    if (full) {
      for (const key of this.written.keys()) if (!this.tracker.rulesOf(key)) visit(key);
      for (const { key } of services) visit(key);
    } else for (const key of this.tracker.changed) visit(key);

    const input = restoreInput(s, { full, changed: full ? new Set() : new Set(changed), services, entries: this.entries });
    const nat = this.kernel.table('nat');
    const inNat = input.table('nat');
    const stale: string[] = [];
    const now = this.now();
    if (!large || now - this.lastCleanup > s.syncPeriodMs) {
      // Stale: a service chain in the kernel that no Service produces now (a full sync's input holds every one that is).
      const from = full ? staleChains(nat, inNat) : new Map<string, string>();
      if (!full) for (const [c, key] of this.staleCandidates) if (nat.has(c, key) && !this.tracker.rulesOf(key)?.chains.has(c)) from.set(c, key);
      stale.push(...[...from.keys()].sort());
      for (const c of stale) {
        inNat.ensureChain(c);
        inNat.deletions.push(c);
        const id = from.get(c);
        if (id) inNat.deletedFrom.set(c, id);
      }
      this.staleCandidates.clear();
      this.lastCleanup = now;
    }

    // What the nat table held before, without copying 100,000 chain names on every sync: the
    // table after it, plus what it deleted, minus what it created (read only when asked).
    // (a kernel table with no groups yet had none of the input's: nothing to keep)
    const before = nat.hasGroups ? inNat.groups().map(([id, g]) => [g, nat.group(id)] as const) : undefined;
    const ownCreated = [...inNat.objectNames()].filter((c) => !nat.has(c));
    const gen = ++this.syncs;
    const natChainsBefore = (): string[] => {
      if (gen !== this.syncs) throw new Error('natChainsBefore is known only until the next sync');
      const created = new Set(ownCreated);
      if (before) for (const [g, prev] of before) for (const c of g.chains.keys()) if (!prev?.chains.has(c)) created.add(c);
      else for (const [, g] of inNat.groups()) for (const c of g.chains.keys()) created.add(c);
      return [...nat.chains.keys(), ...stale].filter((c) => isServiceChain(c) && !created.has(c)).sort();
    };
    for (const rs of [this.kernel, ...this.attached]) applyRestore(rs, input);
    this.tracker.synced();
    this.needFullSync = false;
    this.lastSync = { full, input, changed: changed.sort(), deleted: stale, natChainsBefore };
    return this.lastSync;
  }

  private ensureJumps(): void {
    for (const rs of [this.kernel, ...this.attached]) this.ensureJumpsIn(rs);
  }

  private ensureJumpsIn(rs: Ruleset): void {
    for (const [table, from, to, args] of KUBE_PROXY_JUMPS) {
      const t = rs.table(table);
      t.ensureChain(to);
      const rule = new Rule(table, from, `${args ? args + ' ' : ''}-j ${to}`, this.settings.family);
      const chain = t.chain(from)!;
      if (!chain.rules.some((r) => r.saveText === rule.saveText)) chain.insert(rule, 1);
    }
  }
}

/**
 * Service chains of the kernel's nat table that a full sync's input does not declare, with the
 * group that wrote each. A Service whose rules are the same objects as in the kernel has nothing
 * stale, so unread groups stay unread.
 */
function staleChains(nat: Table, input: Table): Map<string, string> {
  const stale = new Map<string, string>();
  for (const [id, g] of nat.groups()) {
    const next = input.group(id);
    if (next === g) continue;
    for (const c of g.chains.keys()) if (!next?.chains.has(c) && nat.has(c, id)) stale.set(c, id);
  }
  // chain objects: those left by a group's earlier rules, or written by someone else
  for (const c of nat.objectNames()) {
    if (!isServiceChain(c) || stale.has(c)) continue;
    const id = nat.ownerOf(c);
    if (id === undefined ? !input.has(c) : !input.group(id)?.chains.has(c)) stale.set(c, id ?? '');
  }
  return stale;
}

function topologyLabels(n: Node | undefined): string {
  const l = n?.metadata.labels ?? {};
  return JSON.stringify(Object.keys(l).filter((k) => k.startsWith('topology.kubernetes.io/')).sort().map((k) => [k, l[k]]));
}

/** The restore text of a sync in the stable (test normal form) order. */
export function restoreText(r: SyncResult): string {
  return formatRestore(r.input);
}

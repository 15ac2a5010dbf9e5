// kube-proxy in nftables mode on one node, for one IP family: watches the store and keeps the
// node's `table ip|ip6 kube-proxy` current through nft transactions only — full syncs (start-up,
// node label change, after a failure) re-create the fixed objects; partial ones rewrite only the
// chains of Services that changed and diff the set and map elements. Chains nothing uses any
// more are flushed, and deleted by the first sync that runs when they have been stale for a
// second (kube-proxy's staleChains); affinity sets go at once.
import type { Store } from '../../../api/store.js';
import type { Node } from '../../../api/types.js';
import type { Family } from '../../../net/ip.js';
import { applyNft } from '../../../kernel/nftables/transaction.js';
import { NftRuleset } from '../../../kernel/nftables/ruleset.js';
import type { ClusterNode, KubeProxyConfig } from '../../../topology/config.js';
import { proxierSettings, type ProxierSettings } from '../settings.js';
import { ChangeTracker } from '../tracker.js';
import { isAffinitySet, isServiceChain } from './names.js';
import { CONTAINERS, TABLE, nftServiceRules, nftWords, setupLines, type NftServiceRules } from './proxier.js';

export interface NftSyncResult {
  full: boolean;
  /** The sync's transaction (what kube-proxy pipes to `nft -f -`), one operation per line. */
  transaction: string;
  operations: number;
  /** The separate transaction that deleted chains stale for over a second, if one ran. */
  cleanup?: string;
  changed: string[];
}

export interface KubeProxyNftablesOptions {
  now?: () => number;
  /** The node kernel's nftables state to program (a fresh one when absent). */
  nft?: NftRuleset;
  /** The cluster's Service CIDRs (the ServiceCIDR objects): the unallocated-ClusterIP drop. */
  serviceCIDRs?: string[];
}

export class KubeProxyNftables {
  readonly nft: NftRuleset;
  readonly settings: ProxierSettings;
  lastSync?: NftSyncResult;
  private needFullSync = true;
  private flushed = false;
  private readonly tracker: ChangeTracker<NftServiceRules>;
  private readonly now: () => number;
  private readonly serviceCIDRs: string[];
  /** Element key → value per container, as kube-proxy's nftElementStorage remembers them. */
  private readonly stored = new Map<string, Map<string, string>>(CONTAINERS.map(([, n]) => [n, new Map()]));
  private readonly staleChains = new Map<string, number>();
  private readonly unwatchNode: () => void;

  constructor(store: Store, node: ClusterNode, config: KubeProxyConfig, family: Family, opts: KubeProxyNftablesOptions = {}) {
    this.settings = proxierSettings(node, config, family, store.get('Node', undefined, node.name));
    this.nft = opts.nft ?? new NftRuleset();
    this.now = opts.now ?? (() => 0);
    this.serviceCIDRs = (opts.serviceCIDRs ?? []).filter((c) => c.includes(':') === (family === 6));
    this.tracker = new ChangeTracker(store, this.settings, (s, st) => nftServiceRules(s, st));
    let labels = JSON.stringify(store.get('Node', undefined, node.name)?.metadata.labels ?? {});
    this.unwatchNode = store.watch('Node', store.resourceVersion, (ev) => {
      if (ev.object.metadata.name !== node.name) return;
      const next = JSON.stringify((ev.object as Node).metadata.labels ?? {});
      if (next !== labels || ev.type === 'DELETED') this.needFullSync = true;
      labels = next;
    });
  }

  stop(): void {
    this.tracker.stop();
    this.unwatchNode();
  }

  get pending(): boolean {
    this.tracker.update();
    return this.needFullSync || this.tracker.changed.size > 0;
  }

  forceFullSync(): void {
    this.needFullSync = true;
  }

  /** Runs syncProxyRules once. */
  sync(): NftSyncResult {
    const s = this.settings;
    const h = `${nftWords(s).ipX} ${TABLE}`;
    this.tracker.update();
    const full = this.needFullSync;
    const start = this.now();
    const file = '/dev/stdin';

    let cleanup: string | undefined;
    const old = [...this.staleChains].filter(([, t]) => t < start - 1000).map(([c]) => c);
    if (old.length) {
      cleanup = old.map((c) => `delete chain ${h} ${c}\n`).join('');
      for (const c of old) this.staleChains.delete(c);
      try {
        applyNft(this.nft, cleanup, { file, now: start });
      } catch {
        // kube-proxy logs and retries: the chains come back as stale below
      }
    }

    const tx: string[] = full ? setupLines(s, this.serviceCIDRs, !this.flushed) : [];
    if (full) for (const m of this.stored.values()) m.clear();
    // a full sync flushed every container: nothing is left over
    const leftover = new Map([...this.stored].map(([n, m]) => [n, new Set(full ? [] : m.keys())]));
    const services = this.tracker.serviceRules(false);
    const changed = full ? services.map((x) => x.key) : [...this.tracker.changed].sort();
    const changedSet = new Set(changed);
    const activeChains = new Set<string>();
    const activeSets = new Set<string>();
    for (const { key, rules } of services) {
      const skip = !changedSet.has(key);
      for (const c of rules.chains.keys()) {
        activeChains.add(c);
        if (!skip) tx.push(`add chain ${h} ${c}`, `flush chain ${h} ${c}`);
      }
      for (const e of rules.elements) {
        const store = this.stored.get(e.container)!;
        const value = e.value ?? '';
        const had = store.get(e.key);
        if (had !== value) {
          const line = `add element ${h} ${e.container} { ${e.key}${e.comment !== undefined ? ` comment "${e.comment}"` : ''}${e.value ? ` : ${e.value}` : ''} }`;
          if (had !== undefined) tx.push(`delete element ${h} ${e.container} { ${e.key} }`);
          tx.push(line);
          store.set(e.key, value);
        }
        if (!full) leftover.get(e.container)!.delete(e.key);
      }
      for (const [name, timeout] of rules.affinitySets) {
        activeSets.add(name);
        if (!skip) tx.push(`add set ${h} ${name} { type ${nftWords(s).addrType} ; flags dynamic,timeout ; timeout ${timeout}s ; }`);
      }
      if (skip) continue;
      for (const [c, list] of rules.chains) for (const r of list) tx.push(`add rule ${h} ${c} ${r}`);
    }
    const table = this.nft.table(s.family === 6 ? 'ip6' : 'ip', TABLE);
    for (const c of table?.chains.keys() ?? []) {
      if (!isServiceChain(c)) continue;
      if (activeChains.has(c)) this.staleChains.delete(c);
      else {
        tx.push(`flush chain ${h} ${c}`);
        this.staleChains.set(c, start);
      }
    }
    for (const name of table?.sets.keys() ?? []) if (isAffinitySet(name) && !activeSets.has(name)) tx.push(`delete set ${h} ${name}`);
    for (const [container, keys] of leftover) {
      for (const k of keys) {
        tx.push(`delete element ${h} ${container} { ${k} }`);
        this.stored.get(container)!.delete(k);
      }
    }

    const transaction = tx.map((l) => l + '\n').join('');
    try {
      applyNft(this.nft, transaction, { file, now: start });
    } catch (e) {
      this.staleChains.clear();
      this.needFullSync = true;
      throw e;
    }
    this.needFullSync = false;
    this.flushed = true;
    this.tracker.synced();
    this.lastSync = { full, transaction, operations: tx.length, ...(cleanup ? { cleanup } : {}), changed };
    return this.lastSync;
  }
}

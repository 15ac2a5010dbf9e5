// kube-proxy in nftables mode on one node, for one IP family: watches the store and keeps the
// node's `table ip|ip6 kube-proxy` current through nft transactions only — full syncs (start-up,
// node label change, after a failure) re-create the fixed objects; partial ones rewrite only the
// chains of Services that changed and diff the set and map elements. Chains nothing uses any
// more are flushed, and deleted by the first sync that runs when they have been stale for a
// second (kube-proxy's staleChains); affinity sets go at once.
import type { Store } from '../../../api/store.js';
import type { Node } from '../../../api/types.js';
import type { Family } from '../../../net/ip.js';
import { applyNftBatch, NftBatch } from '../../../kernel/nftables/batch.js';
import { applyNft } from '../../../kernel/nftables/transaction.js';
import { NftRuleset } from '../../../kernel/nftables/ruleset.js';
import type { ClusterNode, KubeProxyConfig } from '../../../topology/config.js';
import { proxierSettings, type ProxierSettings } from '../settings.js';
import { ChangeTracker } from '../tracker.js';
import { chainService, isAffinitySet, isServiceChain } from './names.js';
import { CONTAINERS, TABLE, nftServiceRules, nftWords, rulesContext, sharedNftServiceRules, setupLines, type ElementSpec, type NftServiceRules } from './proxier.js';
import { imageFor, keepImage, type FullImage } from './full-image.js';

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
  /** false: nothing shared with other nodes' kube-proxies (each Service's rules made for this node, every full sync written out), the reference the shared path is tested against. */
  shared?: boolean;
}

/** Whether the element at `i` is one an earlier element of the list already ensures (for short lists). */
function repeats(list: readonly ElementSpec[], i: number): boolean {
  const id = list[i]!.id;
  for (let j = 0; j < i; j++) if (list[j]!.id === id) return true;
  return false;
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
  /** Chain → when it was last flushed as unused (kube-proxy's staleChains). */
  private readonly staleChains = new Map<string, number>();
  /** What each Service wrote at the last sync (a partial sync compares against it). */
  private readonly written = new Map<string, NftServiceRules>();
  /** Element (`container key`) → how many Services ensure it. */
  private readonly owners = new Map<string, number>();
  /** Service and endpoint chains some Service uses, for names that do not say their Service (made from `written` when first asked after a full sync). */
  private active?: Set<string>;
  private readonly unwatchNode: () => void;
  private readonly shared: boolean;

  constructor(store: Store, node: ClusterNode, config: KubeProxyConfig, family: Family, opts: KubeProxyNftablesOptions = {}) {
    this.settings = proxierSettings(node, config, family, store.get('Node', undefined, node.name));
    this.nft = opts.nft ?? new NftRuleset();
    this.now = opts.now ?? (() => 0);
    this.serviceCIDRs = (opts.serviceCIDRs ?? []).filter((c) => c.includes(':') === (family === 6));
    this.shared = opts.shared ?? true;
    this.tracker = new ChangeTracker(store, this.settings, this.shared ? (s, st) => sharedNftServiceRules(s, st) : (s, st) => nftServiceRules(s, st));
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

  /** A sync is due: something changed, or a flushed chain has waited its second (kube-proxy's periodic resync deletes it). */
  get pending(): boolean {
    this.tracker.update();
    if (this.needFullSync || this.tracker.changed.size > 0) return true;
    const now = this.now();
    for (const t of this.staleChains.values()) if (t < now - 1000) return true;
    return false;
  }

  forceFullSync(): void {
    this.needFullSync = true;
  }

  /** One Service's chains, elements, affinity sets and rules into the transaction. */
  private writeService(tx: NftBatch, h: string, rules: NftServiceRules, prev: NftServiceRules | undefined): void {
    const had = prev ? new Set(prev.elements.map((e) => e.id)) : undefined;
    if (this.active) for (const c of rules.chainNames) this.active.add(c);
    // without affinity sets (whose lines come between) the chains and their rules are one group the node's table can hold unread
    const group = rules.affinitySets.size === 0;
    tx.addFlushChains(rules.chainNames, group ? rules.chainRules : undefined);
    const list = rules.elements;
    const seen = list.length > 32 ? new Set<string>() : undefined;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const id = e.id;
      // a Service owns an element once however many of its ports ensure it
      const repeated = seen ? seen.has(id) || !seen.add(id) : repeats(list, i);
      if (!had?.has(id) && !repeated) this.owners.set(id, (this.owners.get(id) ?? 0) + 1);
      const store = this.stored.get(e.container)!;
      const value = e.value ?? '';
      const was = store.get(e.key);
      if (was === value) continue;
      if (was !== undefined) tx.deleteElement(e);
      tx.addElement(e);
      store.set(e.key, value);
    }
    if (rules.affinitySets.size) for (const [name, timeout] of rules.affinitySets) tx.line(`add set ${h} ${name} { type ${nftWords(this.settings).addrType} ; flags dynamic,timeout ; timeout ${timeout}s ; }`);
    if (group) tx.groupRules(rules.chainNames, rules.chainRules);
    else for (let i = 0; i < rules.chainNames.length; i++) tx.rules(rules.chainNames[i]!, rules.chainRules[i]!);
  }

  /** Whether some Service uses the chain: the one its name carries, if it says one. */
  private isActive(chain: string): boolean {
    const key = chainService(chain);
    if (key !== undefined) return this.written.get(key)?.chains.has(chain) === true;
    if (!this.active) {
      this.active = new Set();
      for (const r of this.written.values()) for (const c of r.chainNames) this.active.add(c);
    }
    return this.active.has(chain);
  }

  /** A full sync's Service part from an image: its commands into the transaction, what it remembers into this agent. */
  private restore(tx: NftBatch, image: FullImage): void {
    tx.append(image.segment);
    for (const [c, m] of image.stored) {
      const mine = this.stored.get(c)!;
      for (const [k, v] of m) mine.set(k, v);
    }
    for (const [id, n] of image.owners) this.owners.set(id, n);
    for (let i = 0; i < image.keys.length; i++) this.written.set(image.keys[i]!, image.rules[i]!);
  }

  /** Keeps this full sync's Service part for the next node writing the same rules. */
  private keep(listed: readonly { key: string; rules: NftServiceRules }[], tx: NftBatch, from: number, to: number): void {
    keepImage(rulesContext(this.settings), {
      keys: listed.map((x) => x.key),
      rules: listed.map((x) => x.rules),
      segment: tx.segment(from, to),
      ...(tx.span?.recorded ? { kernel: tx.span.recorded } : {}),
      stored: new Map([...this.stored].map(([c, m]) => [c, new Map(m)])),
      owners: new Map(this.owners),
    });
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
      try {
        applyNft(this.nft, cleanup, { file, now: start });
        for (const c of old) this.staleChains.delete(c);
      } catch {
        // kube-proxy logs and retries: the chains stay stale, flushed again below
      }
    }

    const tx = new NftBatch(nftWords(s).ipX as 'ip' | 'ip6', TABLE);
    if (full) for (const l of setupLines(s, this.serviceCIDRs, !this.flushed)) tx.line(l);
    if (full) {
      // a full sync flushed every container and rewrites every Service
      for (const m of this.stored.values()) m.clear();
      this.written.clear();
      this.owners.clear();
      this.active = undefined;
    }
    // a partial sync rewrites only the Services that changed: its cost follows the change
    const listed = full ? this.tracker.serviceRules(false) : undefined;
    const changed = listed ? listed.map((x) => x.key) : [...this.tracker.changed].sort();
    const dropped = new Set<string>();
    const droppedSets: string[] = [];
    const gone = new Map<string, string[]>();
    const from = tx.mark;
    // the same Services' rules as a full sync kept: what it wrote and remembered, copied
    const image = listed && this.shared ? imageFor(rulesContext(s), listed) : undefined;
    if (image) this.restore(tx, image);
    for (let i = 0; !image && i < changed.length; i++) {
      const key = changed[i]!;
      const rules = listed ? listed[i]!.rules : this.tracker.rulesFor(key, false);
      const prev = this.written.get(key);
      if (rules) this.writeService(tx, h, rules, prev);
      if (rules) this.written.set(key, rules);
      else this.written.delete(key);
      if (!prev) continue;
      const kept = new Set(rules?.elements.map((e) => e.id));
      for (const c of prev.chains.keys()) {
        if (rules?.chains.has(c)) continue;
        this.active?.delete(c);
        dropped.add(c);
      }
      for (const e of prev.elements) {
        if (kept.has(e.id)) continue;
        const n = this.owners.get(e.id)! - 1;
        if (n > 0) this.owners.set(e.id, n);
        else {
          this.owners.delete(e.id);
          let list = gone.get(e.container);
          if (!list) gone.set(e.container, (list = []));
          list.push(e.key);
        }
      }
      for (const name of prev.affinitySets.keys()) if (!rules?.affinitySets.has(name)) droppedSets.push(name);
    }
    const to = tx.mark;
    if (full && to > from) tx.span = image ? { from, to, ...(image.kernel ? { image: image.kernel } : {}) } : { from, to, record: true };
    const table = this.nft.table(s.family === 6 ? 'ip6' : 'ip', TABLE);
    // flushed chains wait a second before deletion (kube-proxy's staleChains), re-flushed by every sync meanwhile
    const candidates = full ? (table?.chainNames() ?? []).filter(isServiceChain) : [...new Set([...this.staleChains.keys(), ...dropped])];
    for (const c of candidates) {
      if (this.isActive(c) || !table?.hasChain(c)) this.staleChains.delete(c);
      else {
        tx.flushChain(c);
        this.staleChains.set(c, start);
      }
    }
    const activeSets = new Set<string>();
    if (full) for (const r of this.written.values()) if (r.affinitySets.size) for (const n of r.affinitySets.keys()) activeSets.add(n);
    const setsGone = full ? [...(table?.sets.keys() ?? [])].filter((n) => isAffinitySet(n) && !activeSets.has(n)) : droppedSets.filter((n) => table?.sets.has(n));
    for (const name of setsGone) tx.line(`delete set ${h} ${name}`);
    for (const [, container] of CONTAINERS) {
      for (const k of gone.get(container) ?? []) {
        tx.deleteElement({ container, key: k });
        this.stored.get(container)!.delete(k);
      }
    }

    try {
      applyNftBatch(this.nft, tx, { file, now: start });
    } catch (e) {
      this.staleChains.clear();
      this.needFullSync = true;
      throw e;
    }
    if (listed && !image && this.shared) this.keep(listed, tx, from, to);
    this.needFullSync = false;
    this.flushed = true;
    this.tracker.synced();
    // the text is written only when something reads it
    this.lastSync = {
      full,
      get transaction() {
        return tx.text();
      },
      operations: tx.count,
      ...(cleanup ? { cleanup } : {}),
      changed,
    };
    return this.lastSync;
  }
}

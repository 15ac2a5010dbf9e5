// A network namespace's iptables state for one family: tables → chains → rules, as the kernel
// holds it. Also the shape of an iptables-restore input (a partial set of chains to rewrite,
// plus chains to delete), so one model serves the generator, the parser and the evaluator.
import type { Family } from '../../net/ip.js';
import { Chain, type ChainLines } from './chain.js';

export { Chain, type ChainLines, type RuleSource } from './chain.js';

export type TableName = 'raw' | 'mangle' | 'filter' | 'nat' | 'security';

/** Built-in chains per table, in the order iptables-save lists them. */
export const BUILTIN_CHAINS: Record<TableName, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** The order iptables-save (nf_tables backend) prints the tables that exist. */
export const TABLE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

export function isTableName(s: string): s is TableName {
  return Object.prototype.hasOwnProperty.call(BUILTIN_CHAINS, s);
}

/** A group's chains in declaration order: names, restore lines (`-A NAME args` each, newline-ended) and rule counts. */
export interface ChainList {
  readonly names: readonly string[];
  readonly texts: readonly string[];
  readonly counts: readonly number[];
}

/**
 * Chains written together by one owner (kube-proxy's chains of one Service), whose names and
 * lines are produced when something first reads them: a table can hold 100,000 such chains of
 * which a trace reads a handful.
 */
export interface ChainGroup {
  /** The chains in declaration order (computed on first read, the same map after). */
  readonly chains: ReadonlyMap<string, ChainLines>;
  /** The same chains as parallel lists, where the group has them so: printing reads these without building the map. */
  readonly list?: ChainList;
  /**
   * Chains other rules jump to, known without reading `chains`: looking one up reads only this
   * group. Undefined while the group has not worked them out: a jump from one of its entry
   * rules names the group instead (Rule.group).
   */
  readonly entryNames: readonly string[] | undefined;
  /** Every chain of the group starts with one of these (a lookup of any other name never reads it). */
  readonly prefixes: readonly string[];
}

export class Table {
  private readonly own = new Map<string, Chain>();
  /** Groups whose chains have not been read: their chains exist, not yet as Chain objects. */
  private unread = new Map<string, ChainGroup>();
  /** An unread group's entry chain → the group's id. */
  private entryIndex = new Map<string, string>();
  /** `unread` and `entryIndex` may be another table's too (adoptGroups): copied before a change. */
  private sharedMaps = false;
  /** Groups whose chains are Chain objects in `own`. */
  private readonly read = new Map<string, ChainGroup>();
  /** Every prefix of the groups set so far (a handful: a list, tested without a copy). */
  private readonly prefixes: string[] = [];
  private lastPrefixes?: readonly string[];
  /** A chain object that a group's restore wrote → the group's id. */
  private readonly owner = new Map<string, string>();
  /** Restore input only: chains the input deletes (`-X NAME`), in order. */
  readonly deletions: string[] = [];
  /** Restore input only: the group a deleted chain was written by (so deleting it reads only that group). */
  readonly deletedFrom = new Map<string, string>();

  constructor(
    readonly name: TableName,
    withBuiltins: boolean,
  ) {
    if (withBuiltins) for (const c of BUILTIN_CHAINS[name]) this.own.set(c, new Chain(c, 'ACCEPT'));
  }

  /** Every chain as an object (unread groups are read first). */
  get chains(): Map<string, Chain> {
    for (const id of [...this.unread.keys()]) this.readGroup(id);
    return this.own;
  }

  /** `group`: the group a jump's rule says holds the chain (saves a search of every group). */
  chain(name: string, group?: string): Chain | undefined {
    const c = this.own.get(name);
    if (c || this.unread.size === 0) return c;
    if (group !== undefined && this.unread.get(group)?.chains.has(name)) {
      this.readGroup(group);
      return this.own.get(name);
    }
    return this.fromGroups(name);
  }

  /** The chain, created as a user chain if missing (iptables -N without the error). */
  ensureChain(name: string): Chain {
    let c = this.chain(name);
    if (!c) {
      c = new Chain(name, '-');
      this.own.set(name, c);
    }
    return c;
  }

  /** Whether the chain exists; `id` names the group that would hold it (saves a search of every group). */
  has(name: string, id?: string): boolean {
    if (this.own.has(name)) return true;
    if (id === undefined) return !!this.fromGroups(name);
    return !!this.unread.get(id)?.chains.has(name);
  }

  /** iptables -X (no check that nothing jumps to it); `id` as for has(). */
  deleteChain(name: string, id?: string): void {
    if (!this.own.has(name)) {
      if (id !== undefined && this.unread.get(id)?.chains.has(name)) this.readGroup(id);
      else this.fromGroups(name);
    }
    this.own.delete(name);
    const gid = this.owner.get(name);
    if (gid === undefined) return;
    this.owner.delete(name);
    // a group none of whose chains is left is gone
    const g = this.read.get(gid);
    if (!g) return;
    for (const c of g.chains.keys()) if (this.owner.get(c) === gid) return;
    this.read.delete(gid);
  }

  /** Names of the chains that are objects now (unread groups' chains not among them). */
  objectNames(): IterableIterator<string> {
    return this.own.keys();
  }

  /** The group whose restore wrote this chain object. */
  ownerOf(name: string): string | undefined {
    return this.owner.get(name);
  }

  /** Names of the chains that start with `prefix`, reading only groups that can hold such names. */
  chainNames(prefix = ''): string[] {
    const names: string[] = [];
    for (const [id, g] of [...this.unread]) if (g.prefixes.some((p) => p.startsWith(prefix) || prefix.startsWith(p))) this.readGroup(id);
    for (const n of this.own.keys()) if (n.startsWith(prefix)) names.push(n);
    return names;
  }

  /**
   * A restore of the group's chains (each flushed and given the group's lines). The group's
   * previous chains stay (as restore leaves chains it does not name) until deleted.
   */
  setGroup(id: string, g: ChainGroup): void {
    const cur = this.unread.get(id);
    if (cur === g) return;
    if (cur) this.readGroup(id);
    if (this.read.has(id)) {
      this.write(id, g);
      return;
    }
    this.ownMaps();
    this.unread.set(id, g);
    if (g.entryNames) for (const n of g.entryNames) this.entryIndex.set(n, id);
    // groups of one owner share their prefixes' list: added once
    if (g.prefixes !== this.lastPrefixes) for (const p of (this.lastPrefixes = g.prefixes)) this.addPrefix(p);
  }

  /**
   * A restore of every group of `from` (a restore input's table) into a table that has none:
   * both tables then share the group maps, and whichever changes them first copies them — a
   * full sync of 10,000 Services hands a node's tables their groups without a write per group.
   * False (nothing done) when this table already has groups.
   */
  adoptGroups(from: Table): boolean {
    if (this.unread.size || this.read.size || from.read.size) return false;
    this.unread = from.unread;
    this.entryIndex = from.entryIndex;
    this.sharedMaps = from.sharedMaps = true;
    for (const p of from.prefixes) this.addPrefix(p);
    return true;
  }

  /** Whether any group has been set. */
  get hasGroups(): boolean {
    return this.unread.size > 0 || this.read.size > 0;
  }

  private addPrefix(p: string): void {
    if (!this.prefixes.includes(p)) this.prefixes.push(p);
  }

  private ownMaps(): void {
    if (!this.sharedMaps) return;
    this.unread = new Map(this.unread);
    this.entryIndex = new Map(this.entryIndex);
    this.sharedMaps = false;
  }

  /** The group last set under `id`, and whether its chains have been read. */
  group(id: string): ChainGroup | undefined {
    return this.unread.get(id) ?? this.read.get(id);
  }

  /** Every group set so far, by id. */
  groups(): [string, ChainGroup][] {
    return [...this.read, ...this.unread];
  }

  /** The declared chains without reading groups into Chain objects (for printing and counting): the chain objects, then the unread groups (whose chains follow in their order). */
  declaredParts(): { own: ReadonlyMap<string, Chain>; groups: ChainGroup[] } {
    return { own: this.own, groups: [...this.unread.values()] };
  }

  private fromGroups(name: string): Chain | undefined {
    if (this.unread.size === 0) return undefined;
    const id = this.entryIndex.get(name);
    if (id !== undefined) {
      this.readGroup(id);
      return this.own.get(name);
    }
    if (!this.prefixes.some((p) => name.startsWith(p))) return undefined;
    for (const [gid, g] of [...this.unread]) if (g.prefixes.some((p) => name.startsWith(p)) && g.chains.has(name)) {
      this.readGroup(gid);
      return this.own.get(name);
    }
    return undefined;
  }

  private readGroup(id: string): void {
    const g = this.unread.get(id)!;
    this.ownMaps();
    this.unread.delete(id);
    if (g.entryNames) for (const n of g.entryNames) if (this.entryIndex.get(n) === id) this.entryIndex.delete(n);
    this.write(id, g);
  }

  /** The group's chains as objects, each given the group's lines. */
  private write(id: string, g: ChainGroup): void {
    this.read.set(id, g);
    for (const [name, lines] of g.chains) {
      let c = this.own.get(name);
      if (!c) this.own.set(name, (c = new Chain(name, '-')));
      c.setLines(lines);
      this.owner.set(name, id);
    }
  }
}

/**
 * Tables of one family. `kind` says whether this is a kernel's state (tables come with their
 * built-in chains) or an iptables-restore input (only the chains it declares).
 */
export class Ruleset {
  readonly tables = new Map<TableName, Table>();

  constructor(
    readonly family: Family,
    readonly kind: 'kernel' | 'restore' = 'kernel',
  ) {}

  table(name: TableName): Table {
    let t = this.tables.get(name);
    if (!t) {
      t = new Table(name, this.kind === 'kernel');
      this.tables.set(name, t);
    }
    return t;
  }

  /** Tables in iptables-save's order. */
  orderedTables(): Table[] {
    return TABLE_ORDER.filter((n) => this.tables.has(n)).map((n) => this.tables.get(n)!);
  }

  /** Total rules per table and chain. */
  ruleCount(): number {
    let n = 0;
    for (const t of this.tables.values()) {
      const { own, groups } = t.declaredParts();
      for (const c of own.values()) n += c.size;
      for (const g of groups) {
        if (g.list) for (const k of g.list.counts) n += k;
        else for (const c of g.chains.values()) n += c.count;
      }
    }
    return n;
  }
}

// The nftables state of one network namespace as the kernel holds it: tables per family, each
// with chains (base chains carry type, hook, priority and policy), rules as parsed statements,
// and sets and maps with their elements. Objects keep their creation order, as nft lists them.
import type { ChainType, HookName } from '../hooks.js';
import type { DataType } from './datatype.js';
import { elementText, type Element, type Stmt } from './expr.js';
import type { RuleRefs } from './parse-rule.js';
import { groupChains, holdersOf, type ChainGroup } from './chain-group.js';

export type NftFamily = 'ip' | 'ip6' | 'inet';

export interface NftRule {
  stmts: Stmt[];
  /** As written by whoever added it (knftables' dump form), without the comment. */
  text: string;
  comment?: string;
  handle: number;
  /** The chains and sets the statements name (what the use counts count). */
  refs?: RuleRefs;
}

export interface BaseChain {
  type: ChainType;
  hook: HookName;
  priority: number;
  policy: 'accept' | 'drop';
}

export interface NftChain {
  name: string;
  base?: BaseChain;
  comment?: string;
  rules: NftRule[];
  handle: number;
}

export interface NftSet {
  name: string;
  isMap: boolean;
  key: DataType[];
  /** Map data type (verdict for a vmap). */
  data?: DataType;
  flags: string[];
  /** Default element timeout, ms. */
  timeout?: number;
  size?: number;
  /** The size the kernel gave the set when a rule first fed it from the packet path (`update @set`). */
  kernelSize?: number;
  comment?: string;
  /** Elements by their key text. */
  elements: Map<string, Element>;
  /** Keys the packet path added (`update @set`), forgotten on a fresh start. */
  learned?: Set<string>;
  handle: number;
}

/** A group of chains a table holds unread: its chains' handles start at `base`. */
export interface UnreadGroup {
  readonly group: ChainGroup;
  readonly base: number;
}

export class NftTable {
  comment?: string;
  flags: string[] = [];
  /** The chains that are objects (every base chain among them), in creation order but for groups read since (see chains). */
  private readonly own = new Map<string, NftChain>();
  /** Groups whose chains exist but are not objects yet, in handle order. */
  private readonly unread = new Map<ChainGroup, UnreadGroup>();
  readonly sets = new Map<string, NftSet>();

  constructor(
    readonly family: NftFamily,
    readonly name: string,
    readonly handle: number,
  ) {}

  /** How many rules and verdict-map elements send packets to each chain, but for unread groups' rules to their own chains (those come with the group when it is read). */
  readonly chainRefs = new Map<string, number>();
  /** How many rules name each set or map. */
  readonly setUse = new Map<string, number>();

  /** Every chain as an object, in creation order (unread groups are read first). */
  get chains(): Map<string, NftChain> {
    this.readAll();
    return this.own;
  }

  /** The chain objects there are, without reading groups (a transaction's writes go here; base chains are all here). */
  get chainObjects(): Map<string, NftChain> {
    return this.own;
  }

  /** The chain (its group read if it is in an unread one). */
  chain(name: string): NftChain | undefined {
    const c = this.own.get(name);
    if (c || this.unread.size === 0) return c;
    const g = this.heldBy(name);
    if (!g) return undefined;
    this.readGroup(g);
    return this.own.get(name);
  }

  hasChain(name: string): boolean {
    return this.own.has(name) || this.heldBy(name) !== undefined;
  }

  /** The unread group holding the chain. */
  private heldBy(name: string): UnreadGroup | undefined {
    if (this.unread.size === 0) return undefined;
    const h = holdersOf(name);
    if (h === undefined) return undefined;
    if (!Array.isArray(h)) {
      const g = (h as WeakRef<ChainGroup>).deref();
      return g && this.unread.get(g);
    }
    for (const r of h) {
      const g = r.deref();
      const u = g && this.unread.get(g);
      if (u) return u;
    }
    return undefined;
  }

  /** Whether the table holds this group, or another holding one of its chain names, unread. */
  holdsAny(group: ChainGroup): boolean {
    if (this.unread.size === 0) return false;
    if (this.unread.has(group)) return true;
    for (const r of group.rivals) {
      const g = r.deref();
      if (g && this.unread.has(g)) return true;
    }
    return false;
  }

  /** Every chain's name in creation order, reading no group. */
  chainNames(): string[] {
    if (this.unread.size === 0) return [...this.own.keys()];
    const out: string[] = [];
    this.eachChain(
      (c) => out.push(c.name),
      (g) => out.push(...g.names),
    );
    return out;
  }

  /** Every chain in creation order, reading no group: the objects one by one, an unread group's chains at once (a listing prints them from their texts). */
  eachChain(object: (c: NftChain) => void, group: (g: ChainGroup) => void): void {
    this.order();
    const groups = [...this.unread.values()];
    let gi = 0;
    for (const c of this.own.values()) {
      for (; gi < groups.length && groups[gi]!.base < c.handle; gi++) group(groups[gi]!.group);
      object(c);
    }
    for (; gi < groups.length; gi++) group(groups[gi]!.group);
  }

  /** The kernel's chain use count: rules and verdict-map elements that send packets to each chain (unread groups are read first). */
  get chainUse(): Map<string, number> {
    this.readAll();
    return this.chainRefs;
  }

  /** Holds a group's chains unread (none of its names may exist); its outer names are counted by the caller. */
  attach(group: ChainGroup, base: number): UnreadGroup {
    const g: UnreadGroup = { group, base };
    this.unread.set(group, g);
    return g;
  }

  /** Undoes attach (the group's chains go, read or not). */
  detach(g: UnreadGroup): void {
    if (this.unread.get(g.group) === g) {
      this.unread.delete(g.group);
      return;
    }
    const names = g.group.names;
    for (let i = 0; i < names.length; i++) if (this.own.get(names[i]!)?.handle === g.base + i) this.own.delete(names[i]!);
    for (const [c, n] of g.group.inner) {
      const v = (this.chainRefs.get(c) ?? 0) - n;
      if (v === 0) this.chainRefs.delete(c);
      else this.chainRefs.set(c, v);
    }
  }

  /** Where a chain is referenced from (rule jumps/gotos, verdict-map elements). */
  references(chain: string): number {
    const n = this.chainRefs.get(chain) ?? 0;
    const g = this.heldBy(chain);
    return g ? n + (g.group.inner.get(chain) ?? 0) : n;
  }

  /** Rules that use a named set or map. */
  setUsers(set: string): number {
    return this.setUse.get(set) ?? 0;
  }

  private readGroup(g: UnreadGroup): void {
    this.unread.delete(g.group);
    for (const c of groupChains(g.group, g.base)) this.own.set(c.name, c);
    for (const [c, n] of g.group.inner) this.chainRefs.set(c, (this.chainRefs.get(c) ?? 0) + n);
  }

  private readAll(): void {
    if (this.unread.size === 0) return;
    for (const g of [...this.unread.values()]) this.readGroup(g);
    this.order();
  }

  /** The chain objects back in creation (handle) order, after groups read out of it. */
  private order(): void {
    let last = -1;
    let sorted = true;
    for (const c of this.own.values()) {
      if (c.handle < last) {
        sorted = false;
        break;
      }
      last = c.handle;
    }
    if (sorted) return;
    const entries = [...this.own].sort((a, b) => a[1].handle - b[1].handle);
    this.own.clear();
    for (const [k, v] of entries) this.own.set(k, v);
  }
}

/** The named set or map a statement uses. */
export function setOf(st: Stmt): string | undefined {
  return st.k === 'match' && st.rhs.k === 'set' ? st.rhs.name : st.k === 'vmap' && 'name' in st.map ? st.map.name : st.k === 'update' ? st.set : undefined;
}

export function tableKey(family: NftFamily, name: string): string {
  return `${family} ${name}`;
}

export function elementKey(e: Pick<Element, 'key'>): string {
  return e.key.map((v) => v.text).join(' . ');
}

export { elementText };

/** The whole nftables ruleset of a namespace. */
export class NftRuleset {
  readonly tables = new Map<string, NftTable>();
  /** Bumped by every committed transaction (programs built from an older generation are rebuilt). */
  generation = 0;
  private nextHandle = 1;

  handle(): number {
    return this.nextHandle++;
  }

  /** `n` handles in a row (a group's chains and rules, given out when it is read); the first of them. */
  reserve(n: number): number {
    const h = this.nextHandle;
    this.nextHandle += n;
    return h;
  }

  /** The handle the next object will get. */
  peekHandle(): number {
    return this.nextHandle;
  }

  /** Takes over another ruleset's tables (a real node's dump loaded in place of this one). */
  replaceWith(other: NftRuleset): void {
    this.tables.clear();
    for (const [k, t] of other.tables) this.tables.set(k, t);
    this.nextHandle = Math.max(this.nextHandle, other.nextHandle);
    this.generation++;
  }

  table(family: NftFamily, name: string): NftTable | undefined {
    return this.tables.get(tableKey(family, name));
  }

  /** Sets the packet path feeds (`update @set`): their elements, to put back after an explored branch. */
  saveRuntime(): () => void {
    const saved = this.fedSets().map((s) => ({ s, elements: new Map(s.elements), learned: new Set(s.learned) }));
    return () => {
      for (const s of this.fedSets()) if (!saved.some((v) => v.s === s)) this.forgetLearned(s);
      for (const v of saved) {
        v.s.elements = new Map(v.elements);
        v.s.learned = new Set(v.learned);
      }
    };
  }

  /** A fresh start: what the packet path added to sets is gone. */
  resetRuntime(): void {
    for (const s of this.fedSets()) this.forgetLearned(s);
  }

  private fedSets(): NftSet[] {
    return [...this.tables.values()].flatMap((t) => [...t.sets.values()].filter((s) => s.learned?.size));
  }

  private forgetLearned(s: NftSet): void {
    for (const k of s.learned ?? []) s.elements.delete(k);
    s.learned = new Set();
  }
}

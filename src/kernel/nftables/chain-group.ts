// Chains one writer adds together with their rules (kube-proxy's chains of one Service), read
// once for every node that writes the same lists: the names the rules use, split into the
// group's own chains and everything else, and how many handles the chains and rules take. A
// table holds such a group unread (ruleset.ts) until something reads one of its chains: a sync
// of 10,000 Services hands a node 10,000 groups, of which a trace reads one or two.
import { LazyRule, wordRefs, type WordRefs } from './lazy-rule.js';
import type { NftChain, NftRule } from './ruleset.js';

export interface ChainGroup {
  /** The chains, in the order they are added. */
  readonly names: readonly string[];
  /** Each chain's rules (plain rule texts), in order. */
  readonly lists: readonly (readonly string[])[];
  readonly words: readonly (readonly WordRefs[])[];
  /** Handles the group's objects take: one per chain, then one per rule, chain by chain. */
  readonly handles: number;
  /** How many of the group's rules send packets to each of its own chains. */
  readonly inner: ReadonlyMap<string, number>;
  /** Chains outside the group its rules send packets to, and how many rules each. */
  readonly outer: readonly (readonly [string, number])[];
  /** Sets its rules name, and how many rules each. */
  readonly sets: readonly (readonly [string, number])[];
  /** Sets its rules feed from the packet path. */
  readonly fed: readonly string[];
  /** Other live groups holding one of its chain names (another version of the same Service's): a table holding one of them holds those chains already. */
  readonly rivals: WeakRef<ChainGroup>[];
}

/**
 * The live groups holding each chain name, for every table at once (the groups are shared by
 * every node writing the same lists): a table finds the group of a chain it holds unread among
 * these, without an index of its own.
 */
const holders = new Map<string, WeakRef<ChainGroup> | WeakRef<ChainGroup>[]>();
const gone = new FinalizationRegistry<readonly string[]>((names) => {
  for (const n of names) {
    const h = holders.get(n);
    const alive = (Array.isArray(h) ? h : h ? [h] : []).filter((r) => r.deref() !== undefined);
    if (alive.length === 0) holders.delete(n);
    else holders.set(n, alive.length === 1 ? alive[0]! : alive);
  }
});

/** The live groups holding this chain name (most names have one: no list is made for them). */
export function holdersOf(name: string): WeakRef<ChainGroup> | readonly WeakRef<ChainGroup>[] | undefined {
  return holders.get(name);
}

function hold(g: ChainGroup): void {
  const ref = new WeakRef(g);
  let rivals: Set<ChainGroup> | undefined;
  for (const n of g.names) {
    const h = holders.get(n);
    if (h === undefined) {
      holders.set(n, ref);
      continue;
    }
    const list = Array.isArray(h) ? h : [h];
    for (const r of list) {
      const other = r.deref();
      if (other && !(rivals ??= new Set()).has(other)) {
        rivals.add(other);
        other.rivals.push(ref);
        g.rivals.push(r);
      }
    }
    list.push(ref);
    if (list !== h) holders.set(n, list);
  }
  gone.register(g, g.names);
}

/** Per rule list, each rule's names (null: not a plain rule, read from its text line): every node writing the list reads its words once. */
const wordsByList = new WeakMap<readonly string[], (WordRefs | null)[]>();

export function wordsOf(list: readonly string[]): (WordRefs | null)[] {
  let w = wordsByList.get(list);
  if (!w) wordsByList.set(list, (w = list.map(wordRefs)));
  return w;
}

/** Per list of chain names, the group it heads (null: some rule is not plain, or a name repeats). */
const groups = new WeakMap<readonly string[], ChainGroup | null>();

/** The group of these chains with these rule lists (the lists must be the names' own, never changed once made). */
export function chainGroup(names: readonly string[], lists: readonly (readonly string[])[]): ChainGroup | null {
  let g = groups.get(names);
  if (g === undefined || (g !== null && g.lists !== lists)) groups.set(names, (g = readGroup(names, lists)));
  return g;
}

function count(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function readGroup(names: readonly string[], lists: readonly (readonly string[])[]): ChainGroup | null {
  if (lists.length !== names.length) return null;
  // a Service's few chains: a scan of the names costs less than a set of them
  const ownSet = names.length > 16 ? new Set(names) : undefined;
  if (ownSet ? ownSet.size !== names.length : names.some((n, i) => names.indexOf(n) !== i)) return null;
  const words: WordRefs[][] = [];
  const inner = new Map<string, number>();
  let outer: Map<string, number> | undefined;
  let sets: Map<string, number> | undefined;
  let fed: Set<string> | undefined;
  let handles = names.length;
  for (const list of lists) {
    // read here, not remembered per list: the group keeps them
    const w = wordsByList.get(list) ?? list.map(wordRefs);
    if (w.includes(null)) return null;
    words.push(w as WordRefs[]);
    handles += list.length;
    for (const r of w as WordRefs[]) {
      for (const c of r.refs.chains) count((ownSet ? ownSet.has(c) : names.includes(c)) ? inner : (outer ??= new Map()), c);
      for (const s of r.refs.sets) count((sets ??= new Map()), s);
      for (const s of r.fed) (fed ??= new Set()).add(s);
    }
  }
  const g: ChainGroup = { names, lists, words, handles, inner, outer: outer ? [...outer] : NONE, sets: sets ? [...sets] : NONE, fed: fed ? [...fed] : NO_NAMES, rivals: [] };
  hold(g);
  return g;
}

const NONE: readonly (readonly [string, number])[] = [];
const NO_NAMES: readonly string[] = [];

/** The group's chains as objects, their handles from `base` on (chains first, then the rules chain by chain). */
export function groupChains(g: ChainGroup, base: number): NftChain[] {
  const out: NftChain[] = new Array(g.names.length);
  let h = base + g.names.length;
  for (let i = 0; i < g.names.length; i++) {
    const list = g.lists[i]!;
    const words = g.words[i]!;
    const rules: NftRule[] = new Array(list.length);
    for (let k = 0; k < list.length; k++) rules[k] = new LazyRule(list[k]!, h++, words[k]!.refs, words[k]!.fed);
    out[i] = { name: g.names[i]!, rules, handle: base + i };
  }
  return out;
}

// The normal form's chain order (KUBE-NODEPORTS, KUBE-SERVICES, other KUBE- chains by name, the
// rest by name) for a table's declared chains. 10,000 Services declare 110,000 chains whose names
// end in hashes, so a plain string sort is most of printing them: names are sorted by a number
// made of their first characters (a typed-array sort), strings compared only where those agree.
// Nodes that declare the same groups in the same order (every node of a cluster, mostly) reuse
// the order the first one computed.
import type { Chain, ChainGroup, ChainLines, Table } from './ruleset.js';

export type Declared = Chain | ChainLines;

function chainRank(name: string): number {
  if (name === 'KUBE-NODEPORTS') return 0;
  if (name === 'KUBE-SERVICES') return 1;
  return name.startsWith('KUBE-') ? 2 : 3;
}

/** Six order-preserving bits per character of chain names ('-', digits, A-Z, '_', a-z); 0 pads. */
const CODE = new Int8Array(128).fill(-1);
[...'-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'].forEach((c, i) => (CODE[c.charCodeAt(0)] = i));
const KEY_CHARS = 8;

/** rank, then the first 8 characters after the rank's common prefix; NaN where a character has no code. */
function sortKey(name: string, rank: number): number {
  const from = rank === 2 ? 5 : 0;
  let k = rank;
  for (let i = from; i < from + KEY_CHARS; i++) {
    const ch = name.charCodeAt(i);
    // past the end: 0, which sorts a prefix first (ties are compared as strings)
    const code = ch !== ch ? 0 : ch < 128 ? CODE[ch]! : -1;
    if (code < 0) return NaN;
    k = k * 64 + code;
  }
  return k;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Positions of `names` in normal-form order. */
function order(names: readonly string[]): Uint32Array {
  const n = names.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const name = names[i]!;
    const k = sortKey(name, chainRank(name));
    if (k !== k) return orderByString(names);
    keys[i] = k;
  }
  // key → its one position, or its positions when names share one
  const at = new Map<number, number | number[]>();
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const p = at.get(k);
    if (p === undefined) at.set(k, i);
    else if (typeof p === 'number') at.set(k, [p, i]);
    else p.push(i);
  }
  keys.sort();
  const out = new Uint32Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (i > 0 && keys[i - 1] === k) continue;
    const p = at.get(k)!;
    if (typeof p === 'number') out[o++] = p;
    else for (const q of p.sort((a, b) => byString(names[a]!, names[b]!))) out[o++] = q;
  }
  return out;
}

function orderByString(names: readonly string[]): Uint32Array {
  const idx = names.map((_, i) => i);
  const rank = names.map(chainRank);
  idx.sort((a, b) => rank[a]! - rank[b]! || byString(names[a]!, names[b]!));
  return Uint32Array.from(idx);
}

interface Remembered {
  own: string[];
  groups: ChainGroup[];
  order: Uint32Array;
}
/** Per table name: the last order computed, with what it was computed for. */
const remembered = new Map<string, Remembered>();

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The table's declared chains (own chains and unread groups' chains) in normal-form order. */
export function orderedChains(t: Table): { names: string[]; chains: Declared[] } {
  const { own, groups } = t.declaredParts();
  const names: string[] = [];
  const chains: Declared[] = [];
  const ownNames: string[] = [];
  for (const [n, c] of own) {
    ownNames.push(n);
    names.push(n);
    chains.push(c);
  }
  for (const g of groups) {
    for (const [n, c] of g.chains) {
      names.push(n);
      chains.push(c);
    }
  }
  const prev = remembered.get(t.name);
  let ord: Uint32Array;
  if (prev && prev.order.length === names.length && same(prev.own, ownNames) && same(prev.groups, groups)) ord = prev.order;
  else {
    ord = order(names);
    remembered.set(t.name, { own: ownNames, groups, order: ord });
  }
  const sortedNames = new Array<string>(ord.length);
  const sortedChains = new Array<Declared>(ord.length);
  for (let i = 0; i < ord.length; i++) {
    sortedNames[i] = names[ord[i]!]!;
    sortedChains[i] = chains[ord[i]!]!;
  }
  return { names: sortedNames, chains: sortedChains };
}

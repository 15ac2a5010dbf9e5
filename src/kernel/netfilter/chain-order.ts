// The normal form's chain order (KUBE-NODEPORTS, KUBE-SERVICES, other KUBE- chains by name, the
// rest by name) for a table's declared chains. 10,000 Services declare 110,000 chains whose names
// end in hashes, so a plain string sort is most of printing them: names are sorted by a number
// made of their first characters (a radix sort of typed arrays), strings compared only where those agree.
// Nodes that declare the same groups in the same order (every node of a cluster, mostly) reuse
// the order the first one computed.
import { sameItems } from '../../api/same-json.js';
import type { Chain, ChainGroup, Table } from './ruleset.js';

/** A declared chain: its object, or a group's restore lines for it. */
export type Declared = Chain | string;

function chainRank(name: string): number {
  if (name === 'KUBE-NODEPORTS') return 0;
  if (name === 'KUBE-SERVICES') return 1;
  return name.startsWith('KUBE-') ? 2 : 3;
}

/** Six order-preserving bits per character of chain names ('-', digits, A-Z, '_', a-z); 0 pads. */
const CODE = new Int8Array(128).fill(-1);
[...'-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'].forEach((c, i) => (CODE[c.charCodeAt(0)] = i));

/** Four characters from `from` as 24 bits (0 past the end, which sorts a prefix first); -1 where one has no code. */
function code4(name: string, from: number): number {
  let k = 0;
  for (let i = from; i < from + 4; i++) {
    const ch = name.charCodeAt(i);
    const c = ch !== ch ? 0 : ch < 128 ? CODE[ch]! : -1;
    if (c < 0) return -1;
    k = (k << 6) | c;
  }
  return k;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One stable counting-sort pass of positions `from` into `to` by `bits` bits of key[position] from `shift`. */
function radixPass(from: Uint32Array, to: Uint32Array, key: Uint32Array, shift: number, bits: number): void {
  const mask = (1 << bits) - 1;
  const count = new Uint32Array(mask + 2);
  const n = from.length;
  for (let i = 0; i < n; i++) count[((key[from[i]!]! >>> shift) & mask) + 1]!++;
  for (let d = 1; d <= mask + 1; d++) count[d]! += count[d - 1]!;
  for (let i = 0; i < n; i++) {
    const p = from[i]!;
    to[count[(key[p]! >>> shift) & mask]!++] = p;
  }
}

/**
 * Positions of `names` in normal-form order: by rank, then the first 8 characters after the rank's
 * common prefix (26 + 24 bits, radix-sorted), strings compared only where those agree.
 */
function order(names: readonly string[]): Uint32Array {
  const n = names.length;
  // a few names (a partial sync's): the radix passes' counting tables would cost more than comparing
  if (n < 1024) return orderByString(names);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const name = names[i]!;
    const rank = chainRank(name);
    const from = rank === 2 ? 5 : 0;
    const a = code4(name, from);
    const b = code4(name, from + 4);
    if (a < 0 || b < 0) return orderByString(names);
    hi[i] = rank * (1 << 24) + a;
    lo[i] = b;
  }
  let x = new Uint32Array(n);
  let y = new Uint32Array(n);
  for (let i = 0; i < n; i++) x[i] = i;
  for (const [key, shift, bits] of [[lo, 0, 12], [lo, 12, 12], [hi, 0, 13], [hi, 13, 13]] as const) {
    radixPass(x, y, key, shift, bits);
    [x, y] = [y, x];
  }
  // positions whose keys agree: by their whole names (equal names keep their order)
  for (let i = 0; i < n; ) {
    const p = x[i]!;
    let j = i + 1;
    while (j < n && hi[x[j]!] === hi[p] && lo[x[j]!] === lo[p]) j++;
    if (j - i > 1) x.subarray(i, j).sort((a, b) => byString(names[a]!, names[b]!) || a - b);
    i = j;
  }
  return x;
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

/** The table's declared chains (own chains and unread groups' chains) in normal-form order, each as its Chain object or its restore lines. */
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
    const l = g.list;
    if (l) {
      const ln = l.names;
      const lt = l.texts;
      for (let i = 0; i < ln.length; i++) {
        names.push(ln[i]!);
        chains.push(lt[i]!);
      }
    } else {
      for (const [n, c] of g.chains) {
        names.push(n);
        chains.push(c.text);
      }
    }
  }
  const prev = remembered.get(t.name);
  let ord: Uint32Array;
  if (prev && prev.order.length === names.length && sameItems(prev.own, ownNames) && sameItems(prev.groups, groups)) ord = prev.order;
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

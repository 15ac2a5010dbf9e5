// A long chain's rules indexed by the destination address they require (KUBE-SERVICES holds a
// rule per Service IP and port), so the evaluator jumps to the rules that can match a packet.
// A rule that does not name one host as its destination stays in the in-order list every
// packet meets. The kernel still walks every rule: the evaluator counts the skipped ones, which
// all fail on -d before anything else is tested (no evidence, no side effect).
import { canonicalIP } from '../../net/ip.js';
import type { Chain } from './chain.js';

/** Chains shorter than this are walked rule by rule (an index would not pay for itself). */
const MIN_RULES = 32;

interface ChainIndex {
  revision: number;
  /** Host address → 0-based positions of the rules requiring it as destination, ascending. */
  byDst: Map<string, number[]>;
  /** Positions of every other rule, ascending. */
  rest: number[];
}

const indexes = new WeakMap<Chain, ChainIndex | null>();

function build(chain: Chain): ChainIndex {
  const byDst = new Map<string, number[]>();
  const rest: number[] = [];
  const rules = chain.rules;
  for (let i = 0; i < rules.length; i++) {
    let key: string | undefined;
    try {
      const d = rules[i]!.spec.destination;
      if (d && !d.negate) {
        const slash = d.value.indexOf('/');
        const host = d.value.indexOf(':') < 0 ? '32' : '128';
        if (d.value.slice(slash + 1) === host) key = d.value.slice(0, slash);
      }
    } catch {
      // A rule iptables would refuse stays in order: the walk reports it where it reaches it.
    }
    if (key === undefined) rest.push(i);
    else {
      const list = byDst.get(key);
      if (list) list.push(i);
      else byDst.set(key, [i]);
    }
  }
  return { revision: chain.revision, byDst, rest };
}

/** The chain's index for its current rules, or undefined for a short chain. */
function indexOf(chain: Chain): ChainIndex | undefined {
  if (chain.rules.length < MIN_RULES) return undefined;
  let ix = indexes.get(chain);
  if (!ix || ix.revision !== chain.revision) indexes.set(chain, (ix = build(chain)));
  return ix;
}

/** First entry of an ascending list that is ≥ from (the list's length when none is). */
export function lowerBound(list: readonly number[], from: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The packet destination as the index keys it (IPv6 in canonical form). */
export function dstKey(dst: string): string {
  return dst.indexOf(':') < 0 ? dst : (canonicalIP(dst) ?? dst);
}

/**
 * The 0-based position of the first rule at or after `from` that a packet to `dst` can match
 * on its destination (the chain's length when none can): every rule before it fails on -d.
 */
export function nextCandidate(chain: Chain, from: number, dst: string): number {
  // a chain whose rules a source derives: the source knows where they can match
  const src = chain.ruleSource;
  if (src) return from >= src.count ? from : src.next(from, dst);
  const ix = indexOf(chain);
  const n = chain.rules.length;
  if (!ix || from >= n) return from;
  const own = ix.byDst.get(dst);
  const a = own ? own[lowerBound(own, from)] : undefined;
  const b = ix.rest[lowerBound(ix.rest, from)];
  return Math.min(a ?? n, b ?? n);
}

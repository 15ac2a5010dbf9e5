// The nftables state of one network namespace as the kernel holds it: tables per family, each
// with chains (base chains carry type, hook, priority and policy), rules as parsed statements,
// and sets and maps with their elements. Objects keep their creation order, as nft lists them.
import type { ChainType, HookName } from '../hooks.js';
import type { DataType } from './datatype.js';
import { elementText, type Element, type Stmt } from './expr.js';

export type NftFamily = 'ip' | 'ip6' | 'inet';

export interface NftRule {
  stmts: Stmt[];
  /** As written by whoever added it (knftables' dump form), without the comment. */
  text: string;
  comment?: string;
  handle: number;
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
  handle: number;
}

export class NftTable {
  comment?: string;
  flags: string[] = [];
  readonly chains = new Map<string, NftChain>();
  readonly sets = new Map<string, NftSet>();

  constructor(
    readonly family: NftFamily,
    readonly name: string,
    readonly handle: number,
  ) {}

  /** Where a chain is referenced from (rule jumps/gotos, verdict-map elements). */
  references(chain: string): number {
    let n = 0;
    for (const c of this.chains.values())
      for (const r of c.rules)
        for (const st of r.stmts) {
          if (st.k === 'verdict' && 'chain' in st.verdict && st.verdict.chain === chain) n++;
          if (st.k === 'vmap' && 'elements' in st.map) for (const e of st.map.elements) if (e.verdict && 'chain' in e.verdict && e.verdict.chain === chain) n++;
        }
    for (const s of this.sets.values()) if (s.data === 'verdict') for (const e of s.elements.values()) if (e.verdict && 'chain' in e.verdict && e.verdict.chain === chain) n++;
    return n;
  }

  /** Rules that use a named set or map. */
  setUsers(set: string): number {
    let n = 0;
    for (const c of this.chains.values())
      for (const r of c.rules)
        for (const st of r.stmts)
          if ((st.k === 'match' && st.rhs.k === 'set' && st.rhs.name === set) || (st.k === 'vmap' && 'name' in st.map && st.map.name === set) || (st.k === 'update' && st.set === set)) n++;
    return n;
  }
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
}

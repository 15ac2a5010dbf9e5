// The nftables state of one network namespace as the kernel holds it: tables per family, each
// with chains (base chains carry type, hook, priority and policy), rules as parsed statements,
// and sets and maps with their elements. Objects keep their creation order, as nft lists them.
import type { ChainType, HookName } from '../hooks.js';
import type { DataType } from './datatype.js';
import { elementText, type Element, type Stmt } from './expr.js';
import type { RuleRefs } from './parse-rule.js';

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

  /** How many rules and verdict-map elements send packets to each chain (the kernel's chain use count). */
  readonly chainUse = new Map<string, number>();
  /** How many rules name each set or map. */
  readonly setUse = new Map<string, number>();

  /** Where a chain is referenced from (rule jumps/gotos, verdict-map elements). */
  references(chain: string): number {
    return this.chainUse.get(chain) ?? 0;
  }

  /** Rules that use a named set or map. */
  setUsers(set: string): number {
    return this.setUse.get(set) ?? 0;
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

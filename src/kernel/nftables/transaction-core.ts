// The bookkeeping under an `nft -f` transaction: every change is recorded with its undo, so a
// failing command rolls the whole transaction back; commands inside a `table { }` block defer
// their checks until every chain of the block is declared.
import { targetsOf, type Element } from './expr.js';
import { errorAt, type Token, type Tokens } from './lexer.js';
import type { RuleRefs } from './parse-rule.js';
import { setOf, type NftFamily, type NftRule, type NftRuleset, type NftSet, type NftTable } from './ruleset.js';

export const FAMILIES = new Set(['ip', 'ip6', 'inet']);
export const HOOKS = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting']);
export const ENOENT = 'Could not process rule: No such file or directory';
export const EBUSY = 'Could not process rule: Device or resource busy';
export const EEXIST = 'Could not process rule: File exists';

export abstract class TxCore {
  protected readonly undo: (() => void)[] = [];
  /** Inside a `table { }` block nft declares every chain before it binds rules and elements to them. */
  protected inBlock = false;
  protected readonly deferred: (() => void)[] = [];
  /** Handles from this one on are objects this transaction created: undoing their creation undoes what was put in them. */
  private readonly firstHandle: number;
  /** Maps an undone deletion put an object back into: listed again in creation (handle) order. */
  private readonly reorder = new Set<Map<unknown, { handle: number }>>();

  constructor(
    readonly rs: NftRuleset,
    /** The text being read (a batch reads its text lines through a cursor of their own). */
    public ts: Tokens,
    readonly now: number,
  ) {
    this.firstHandle = rs.peekHandle();
  }

  protected fresh(o: { handle: number }): boolean {
    return o.handle >= this.firstHandle;
  }

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    for (const m of this.reorder) {
      const entries = [...m].sort((a, b) => a[1].handle - b[1].handle);
      m.clear();
      for (const [k, v] of entries) m.set(k, v);
    }
  }

  protected fail(t: Token, msg: string): Error {
    return errorAt(this.ts.file, t, msg);
  }

  protected family(): NftFamily {
    if (this.ts.isWord() && FAMILIES.has(this.ts.peek().text)) return this.ts.next().text as NftFamily;
    if (this.ts.isWord() && ['arp', 'bridge', 'netdev'].includes(this.ts.peek().text)) throw this.fail(this.ts.peek(), `the ${this.ts.peek().text} family is not modelled by knet`);
    return 'ip';
  }

  protected mustTable(at: Token, family: NftFamily, name: string): NftTable {
    const t = this.rs.table(family, name);
    if (!t) throw this.fail(at, ENOENT);
    return t;
  }

  /** Puts k → v in a map of `owner` (nothing to undo when the owner is new). */
  protected setMap<K, V>(owner: { handle: number } | undefined, m: Map<K, V>, k: K, v: V): void {
    if (owner && this.fresh(owner)) return void m.set(k, v);
    const had = m.has(k);
    const old = m.get(k);
    m.set(k, v);
    this.undo.push(() => (had ? m.set(k, old as V) : m.delete(k)));
  }

  /** Deletes a table, chain or set; undoing it puts the object back in its creation order. */
  protected deleteObject<K, V extends { handle: number }>(m: Map<K, V>, k: K): void {
    const old = m.get(k);
    if (!old) return;
    m.delete(k);
    this.undo.push(() => {
      m.set(k, old);
      this.reorder.add(m as Map<unknown, V>);
    });
  }

  /** Deletes a set element (elements are listed sorted: their order does not matter). */
  protected deleteKey<K, V>(owner: { handle: number }, m: Map<K, V>, k: K): void {
    if (!m.has(k)) return;
    const old = m.get(k) as V;
    m.delete(k);
    if (!this.fresh(owner)) this.undo.push(() => void m.set(k, old));
  }

  /** `undo`: false for a table this transaction created (undoing its creation drops its counts). */
  protected bump(m: Map<string, number>, k: string, d: number, undo: boolean): void {
    const old = m.get(k);
    const v = (old ?? 0) + d;
    if (v === 0) m.delete(k);
    else m.set(k, v);
    if (undo) this.undo.push(() => void (old === undefined ? m.delete(k) : m.set(k, old)));
  }

  /** Rules added (+1) or removed (-1): the use counts of the chains and sets they name. */
  protected ruleUse(t: NftTable, rules: readonly NftRule[], d: 1 | -1): void {
    const undo = !this.fresh(t);
    for (const r of rules) {
      if (r.refs) {
        for (const c of r.refs.chains) this.bump(t.chainRefs, c, d, undo);
        for (const s of r.refs.sets) this.bump(t.setUse, s, d, undo);
        continue;
      }
      for (const st of r.stmts) {
        for (const c of targetsOf(st)) this.bump(t.chainRefs, c, d, undo);
        const set = setOf(st);
        if (set !== undefined) this.bump(t.setUse, set, d, undo);
      }
    }
  }

  /** A rule added (+1) or removed (-1), by the names it uses. */
  protected refsUse(t: NftTable, refs: RuleRefs, d: 1 | -1): void {
    const undo = !this.fresh(t);
    for (const c of refs.chains) this.bump(t.chainRefs, c, d, undo);
    for (const s of refs.sets) this.bump(t.setUse, s, d, undo);
  }

  /** Verdict-map elements added (+1) or removed (-1): the use counts of the chains they send to. */
  protected elementUse(t: NftTable, s: NftSet, elements: Iterable<Element>, d: 1 | -1): void {
    if (s.data !== 'verdict') return;
    const undo = !this.fresh(t);
    for (const e of elements) if (e.verdict && 'chain' in e.verdict) this.bump(t.chainRefs, e.verdict.chain, d, undo);
  }

  protected assign<T extends { handle: number }, K extends keyof T>(o: T, k: K, v: T[K]): void {
    const old = o[k];
    o[k] = v;
    if (!this.fresh(o)) this.undo.push(() => (o[k] = old));
  }

  protected check(f: () => void): void {
    if (this.inBlock) this.deferred.push(f);
    else f();
  }

  protected commaWords(): string[] {
    const out = [this.ts.word('flag')];
    while (this.ts.accept(',')) out.push(this.ts.word('flag'));
    return out;
  }
}

// The bookkeeping under an `nft -f` transaction: every change is recorded with its undo, so a
// failing command rolls the whole transaction back; commands inside a `table { }` block defer
// their checks until every chain of the block is declared.
import { errorAt, type Token, type Tokens } from './lexer.js';
import type { NftFamily, NftRuleset, NftTable } from './ruleset.js';

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
  /** Objects this transaction created: undoing their creation undoes what was put in them. */
  protected readonly fresh = new WeakSet<object>();

  constructor(
    readonly rs: NftRuleset,
    readonly ts: Tokens,
    readonly now: number,
  ) {}

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
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

  protected setMap<K, V>(m: Map<K, V>, k: K, v: V): void {
    const had = m.has(k);
    const old = m.get(k);
    m.set(k, v);
    this.undo.push(() => (had ? m.set(k, old as V) : m.delete(k)));
  }

  /** `ordered`: undo restores the creation order too (tables, chains, sets are listed in it; elements are sorted). */
  protected deleteKey<K, V>(m: Map<K, V>, k: K, ordered = true): void {
    if (!m.has(k)) return;
    const old = m.get(k) as V;
    const entries = ordered ? [...m.entries()] : undefined;
    m.delete(k);
    this.undo.push(() => {
      if (!entries) return void m.set(k, old);
      m.clear();
      for (const [a, b] of entries) m.set(a, b);
    });
  }

  protected assign<T extends object, K extends keyof T>(o: T, k: K, v: T[K]): void {
    const old = o[k];
    o[k] = v;
    this.undo.push(() => (o[k] = old));
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

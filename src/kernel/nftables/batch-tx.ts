// The commands of a batch (batch.ts) run on the ruleset without their text: chain commands,
// groups of chains held unread, rules put in unread, elements read from their parts. Any
// refusal throws a bare signal; the batch is then undone and its text applied, which says nft's
// own error.
import { Tokens, type Token } from './lexer.js';
import { chainGroup } from './chain-group.js';
import { LazyRule, type WordRefs } from './lazy-rule.js';
import { elementKey, type NftRule, type NftSet } from './ruleset.js';
import { parseValue, type Value } from './datatype.js';
import type { Element, Verdict } from './expr.js';
import { PLAIN, Tx } from './transaction.js';
import type { ElementRecord } from './batch.js';
import { replayImage, SpanRecorder, tableState, type BatchImage } from './batch-image.js';

/** A word the lexer reads as one word token (printable, none of nft's punctuation). */
function plainWord(w: string): boolean {
  if (w.length === 0) return false;
  for (let i = 0; i < w.length; i++) if (PLAIN[w.charCodeAt(i)] !== 1) return false;
  return true;
}

/** A verdict as its text writes it (`drop`, `goto CHAIN`), if it is one. */
function verdictOf(text: string): Verdict | undefined {
  const sp = text.indexOf(' ');
  if (sp < 0) return text === 'accept' || text === 'drop' || text === 'continue' || text === 'return' ? { v: text } : undefined;
  const v = text.slice(0, sp);
  const chain = text.slice(sp + 1);
  return (v === 'jump' || v === 'goto') && plainWord(chain) ? { v, chain } : undefined;
}

/** An element record read for sets of one type: key values, key text, value (null: not simple). Values are never changed: elements share them. */
interface Parts {
  sig: string;
  values: Value[];
  k: string;
  value: { verdict?: Verdict; data?: Value } | null;
}

/** Per record (a Service's, shared by every node writing it), its reading for the last set type asked. */
const partsByRecord = new WeakMap<ElementRecord, Parts | null>();
const sigBySet = new WeakMap<NftSet, string>();

function partsOf(s: NftSet, r: ElementRecord): Parts | null {
  let sig = sigBySet.get(s);
  if (sig === undefined) sigBySet.set(s, (sig = `${s.key.join(' . ')} : ${s.data ?? ''}`));
  let p = partsByRecord.get(r);
  if (p === undefined || (p !== null && p.sig !== sig)) partsByRecord.set(r, (p = readParts(s, sig, r)));
  return p;
}

function readParts(s: NftSet, sig: string, r: ElementRecord): Parts | null {
  const parts = r.key.split(' . ');
  if (parts.length !== s.key.length) return null;
  const values: Value[] = [];
  for (let i = 0; i < parts.length; i++) {
    const v = plainWord(parts[i]!) ? parseValue(s.key[i]!, parts[i]!) : undefined;
    if (!v) return null;
    values.push(v);
  }
  let value: Parts['value'] = null;
  if (r.comment !== undefined && /["\\\n]/.test(r.comment)) value = null;
  else if (s.data === 'verdict') {
    const v = r.value ? verdictOf(r.value) : undefined;
    if (v) value = { verdict: v };
  } else if (s.data !== undefined) {
    const d = r.value && plainWord(r.value) ? parseValue(s.data, r.value) : undefined;
    if (d) value = { data: d };
  } else if (!r.value) value = {};
  return { sig, values, k: elementKey({ key: values }), value };
}

/** Errors here are only a signal: the text, applied after the batch is undone, says what nft says. */
const AT: Token = { kind: 'word', text: '', line: 1, col: 1, end: 1, at: 0, stop: 0 };

export class TxBatch extends Tx {
  /** The span being recorded (batch-image.ts). */
  recorder?: SpanRecorder;

  /** Starts recording a span of commands on the table, if the transaction created it and it holds no group unread. */
  record(key: string): void {
    const t = this.rs.tables.get(key);
    const before = t && this.fresh(t) ? tableState(t) : undefined;
    this.recorder = before !== undefined ? new SpanRecorder(this.rs, t!, before) : undefined;
  }

  /** The recorded span's image (undefined: not every command took the fast path). */
  recorded(): BatchImage | undefined {
    const r = this.recorder;
    this.recorder = undefined;
    return r?.finish();
  }

  /** Does an image's span again if the table is one the transaction created, in the state the image started from; false: nothing done. */
  replay(key: string, image: BatchImage): boolean {
    const t = this.rs.tables.get(key);
    if (!t || !this.fresh(t) || tableState(t) !== image.before) return false;
    replayImage(this.rs, t, image);
    return true;
  }

  private table(key: string) {
    const t = this.rs.tables.get(key);
    if (!t) throw new Error('no table');
    return t;
  }

  chain(key: string, verb: string, name: string): void {
    this.chainCommand(AT, verb, this.table(key), name, false, false);
  }

  /** `add chain` then `flush chain` of each: a chain the add makes is new and empty, the flush has nothing to do. */
  addFlushChains(key: string, names: readonly string[]): void {
    const t = this.table(key);
    for (const name of names) {
      const had = t.hasChain(name);
      this.chainCommand(AT, 'add', t, name, false, false);
      if (had) this.chainCommand(AT, 'flush', t, name, false, false);
    }
  }

  /**
   * An element read from its parts as the text's reading would read it; false (nothing done)
   * when it is not that simple (its text line is read instead).
   */
  element(key: string, add: boolean, r: ElementRecord): boolean {
    const t = this.table(key);
    const s = t.sets.get(r.container);
    const p = s && partsOf(s, r);
    if (!s || !p) return false;
    if (!add) {
      const old = s.elements.get(p.k);
      if (!old) throw new Error('no element');
      this.elementUse(t, s, [old], -1);
      this.deleteKey(s, s.elements, p.k);
      return true;
    }
    if (!p.value) return false;
    const e: Element = { key: p.values };
    if (r.comment !== undefined) e.comment = r.comment;
    if (p.value.verdict) e.verdict = p.value.verdict;
    else if (p.value.data) e.data = p.value.data;
    // nft's refusals (a clash, a missing chain) throw: the text then says them
    this.addKeyed(AT, t, s, e, p.k, 'add');
    this.recorder?.element(r.container);
    return true;
  }

  /**
   * A group's chains, none of which exists, with their rules, held unread by the table (the
   * handles they take reserved in the order `add chain`s then `add rule`s would take them);
   * false (nothing done) when some rule is not plain or some chain exists or some name the
   * rules use outside the group does not (the commands then run one by one, and say nft's error).
   */
  attachGroup(key: string, names: readonly string[], lists: readonly (readonly string[])[]): boolean {
    const g = chainGroup(names, lists);
    if (!g) return false;
    const t = this.table(key);
    if (t.holdsAny(g)) return false;
    const own = t.chainObjects;
    for (const n of g.names) if (own.has(n)) return false;
    for (const [c] of g.outer) if (!t.hasChain(c)) return false;
    for (const [s] of g.sets) if (!t.sets.has(s)) return false;
    for (const name of g.fed) {
      const s = t.sets.get(name)!;
      if (s.size === undefined && s.kernelSize === undefined) this.assign(s, 'kernelSize', 65535);
    }
    const undo = !this.fresh(t);
    for (const [c, n] of g.outer) this.bump(t.chainRefs, c, n, undo);
    for (const [s, n] of g.sets) this.bump(t.setUse, s, n, undo);
    const held = t.attach(g, this.rs.reserve(g.handles));
    this.recorder?.attached(g, held.base);
    if (undo) this.undo.push(() => t.detach(held));
    return true;
  }

  /** A plain rule put into its chain unread (lazy-rule.ts), with the names its words give. */
  lazyRule(key: string, chain: string, rule: string, words: WordRefs): void {
    this.lazyRules(key, chain, [rule], [words]);
  }

  /** Plain rules appended to a chain in order (an empty chain this transaction made gets them as one list). */
  lazyRules(key: string, chain: string, list: readonly string[], words: readonly WordRefs[]): void {
    const t = this.table(key);
    const c = t.chain(chain);
    if (!c) throw new Error('no chain');
    const rules: NftRule[] = new Array(list.length);
    for (let k = 0; k < list.length; k++) {
      const { refs, fed } = words[k]!;
      this.checkNames(t, refs, () => AT);
      for (const name of fed) {
        const s = t.sets.get(name)!;
        if (s.size === undefined && s.kernelSize === undefined) this.assign(s, 'kernelSize', 65535);
      }
      this.refsUse(t, refs, 1);
      rules[k] = new LazyRule(list[k]!, this.rs.handle(), refs, fed);
    }
    if (this.fresh(c) && c.rules.length === 0) c.rules = rules;
    else for (const r of rules) this.insertRule(t, c, AT, 'add', undefined, r);
  }
}


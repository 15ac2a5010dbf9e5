// An `nft -f` transaction for one table held as data: chain commands, lists of rules and set
// elements as records, anything else as its text line. Applying it runs the same commands as
// its text would, without writing the text and reading it back; the text (what `nft -f` is
// given) is written only when something asks for it. On any error the batch is undone and its
// text applied instead, so errors are nft's own, with their line and column.
import { Tokens, type Token } from './lexer.js';
import { chainGroup, wordsOf } from './chain-group.js';
import { LazyRule, type WordRefs } from './lazy-rule.js';
import { elementKey, tableKey, type NftFamily, type NftRule, type NftRuleset, type NftSet } from './ruleset.js';
import { parseValue, type Value } from './datatype.js';
import type { Element, Verdict } from './expr.js';
import { applyNft, PLAIN, Tx, type ApplyOptions } from './transaction.js';

const enum Op {
  Text,
  FlushChain,
  Rules,
  AddFlushChains,
  AddElement,
  DeleteElement,
  GroupRules,
}

/** One element of a set or map: key text (`a . b . c`), value text (a map's), comment. */
export interface ElementRecord {
  readonly container: string;
  readonly key: string;
  readonly value?: string;
  readonly comment?: string;
}

/** A transaction's commands for `table FAMILY NAME`, in order. */
export class NftBatch {
  /** What the text's lines name the table with (`ip kube-proxy`). */
  readonly head: string;
  readonly key: string;
  private readonly ops: Op[] = [];
  /** Each op's words: a text op's line, a chain or rules op's chain (an element op has none). */
  private readonly args: string[] = [];
  /** The element ops' elements, in order. */
  private readonly elements: ElementRecord[] = [];
  /** A rules or chains op's list (by its place among those ops). */
  private readonly lists: (readonly string[])[] = [];
  /** A chains or group-rules op's rule lists, one per chain (undefined: the chains' rules come as rules ops). */
  private readonly groupLists: ((readonly (readonly string[])[]) | undefined)[] = [];
  /** Commands of the rules ops beyond one each. */
  private listed = 0;
  private written?: string;

  constructor(
    readonly family: NftFamily,
    readonly table: string,
  ) {
    this.head = `${family} ${table}`;
    this.key = tableKey(family, table);
  }

  /** Lines of the text: one per command. */
  get count(): number {
    return this.ops.length + this.listed;
  }

  line(text: string): void {
    this.ops.push(Op.Text);
    this.args.push(text);
  }

  flushChain(name: string): void {
    this.ops.push(Op.FlushChain);
    this.args.push(name);
  }

  /**
   * `add chain TABLE c` and `flush chain TABLE c` for each chain of the list; with `rules` (each
   * chain's, written later by groupRules), chains none of which exists yet are held unread with
   * their rules as one group (chain-group.ts).
   */
  addFlushChains(list: readonly string[], rules?: readonly (readonly string[])[]): void {
    if (!list.length) return;
    this.ops.push(Op.AddFlushChains);
    this.args.push('');
    this.lists.push(list);
    this.groupLists.push(rules);
    this.listed += list.length * 2 - 1;
  }

  /** `add rule TABLE chain rule` for each chain of the list given to addFlushChains with these rules, and each of its rules. */
  groupRules(list: readonly string[], rules: readonly (readonly string[])[]): void {
    let n = 0;
    for (const r of rules) n += r.length;
    if (!n) return;
    this.ops.push(Op.GroupRules);
    this.args.push('');
    this.lists.push(list);
    this.groupLists.push(rules);
    this.listed += n - 1;
  }

  /** `add rule TABLE chain rule` for each rule of the list (a list shared by every node that writes it). */
  rules(chain: string, list: readonly string[]): void {
    if (!list.length) return;
    this.ops.push(Op.Rules);
    this.args.push(chain);
    this.lists.push(list);
    this.groupLists.push(undefined);
    this.listed += list.length - 1;
  }

  /** `add element TABLE set { key [comment "c"] [: value] }` */
  addElement(e: ElementRecord): void {
    this.ops.push(Op.AddElement);
    this.elements.push(e);
  }

  /** `delete element TABLE set { key }` */
  deleteElement(e: ElementRecord): void {
    this.ops.push(Op.DeleteElement);
    this.elements.push(e);
  }

  /** The `nft -f` input, one command a line (written once). */
  text(): string {
    if (this.written !== undefined) return this.written;
    const h = this.head;
    const parts: string[] = [];
    let chunk: string[] = [];
    for (let i = 0, a = 0, l = 0, e = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      if (op === Op.AddElement || op === Op.DeleteElement) {
        chunk.push(elementLine(h, op, this.elements[e++]!));
        continue;
      }
      const w = this.args[a++]!;
      if (op === Op.Text) chunk.push(w);
      else if (op === Op.Rules) for (const r of this.lists[l++]!) chunk.push(`add rule ${h} ${w} ${r}`);
      else if (op === Op.AddFlushChains) for (const c of this.lists[l++]!) chunk.push(`add chain ${h} ${c}`, `flush chain ${h} ${c}`);
      else if (op === Op.GroupRules) {
        const names = this.lists[l]!;
        const rules = this.groupLists[l++]!;
        for (let c = 0; c < names.length; c++) for (const r of rules[c]!) chunk.push(`add rule ${h} ${names[c]!} ${r}`);
      } else chunk.push(`flush chain ${h} ${w}`);
      // joined a few thousand lines at a time: a sync of 460k lines then holds few strings
      if (chunk.length >= 4096) {
        chunk.push('');
        parts.push(chunk.join('\n'));
        chunk = [];
      }
    }
    if (chunk.length) {
      chunk.push('');
      parts.push(chunk.join('\n'));
    }
    return (this.written = parts.join(''));
  }

  /** Runs the commands on `tx`; throws on the first error (the caller undoes and reads the text). */
  run(tx: TxBatch): void {
    const lines: string[] = [];
    let attached: readonly string[] | undefined;
    const flush = (): void => {
      if (!lines.length) return;
      tx.ts = new Tokens(tx.ts.file, lines.join('\n') + '\n');
      tx.run();
      lines.length = 0;
    };
    for (let i = 0, a = 0, l = 0, e = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      if (op === Op.AddElement || op === Op.DeleteElement) {
        const el = this.elements[e++]!;
        flush();
        if (!tx.element(this.key, op === Op.AddElement, el)) lines.push(elementLine(this.head, op, el));
        continue;
      }
      const w = this.args[a++]!;
      if (op === Op.Text) {
        lines.push(w);
        continue;
      }
      flush();
      if (op === Op.Rules) this.runRules(tx, w, this.lists[l++]!, lines, flush);
      else if (op === Op.AddFlushChains) {
        const names = this.lists[l];
        const rules = this.groupLists[l++];
        attached = rules && tx.attachGroup(this.key, names!, rules) ? names : undefined;
        if (!attached) tx.addFlushChains(this.key, names!);
      } else if (op === Op.GroupRules) {
        const names = this.lists[l]!;
        const rules = this.groupLists[l++]!;
        // held unread with its chains: nothing to do
        if (attached === names) continue;
        for (let c = 0; c < names.length; c++) {
          if (rules[c]!.length) this.runRules(tx, names[c]!, rules[c]!, lines, flush);
          flush();
        }
      } else tx.chain(this.key, 'flush', w);
    }
    flush();
  }

  /** One chain's rules: unread where plain, else as their text lines (`lines`, read by the next flush). */
  private runRules(tx: TxBatch, chain: string, list: readonly string[], lines: string[], flush: () => void): void {
    const words = wordsOf(list);
    if (!words.includes(null)) return tx.lazyRules(this.key, chain, list, words as WordRefs[]);
    for (let k = 0; k < list.length; k++) {
      const wr = words[k]!;
      if (wr) {
        flush();
        tx.lazyRule(this.key, chain, list[k]!, wr);
      } else lines.push(`add rule ${this.head} ${chain} ${list[k]!}`);
    }
  }
}

function elementLine(h: string, op: Op, e: ElementRecord): string {
  if (op === Op.DeleteElement) return `delete element ${h} ${e.container} { ${e.key} }`;
  return `add element ${h} ${e.container} { ${e.key}${e.comment !== undefined ? ` comment "${e.comment}"` : ''}${e.value ? ` : ${e.value}` : ''} }`;
}

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

class TxBatch extends Tx {
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

/** Applies a batch to the ruleset atomically, as `applyNft` would apply its text. */
export function applyNftBatch(rs: NftRuleset, batch: NftBatch, opts: ApplyOptions): void {
  const tx = new TxBatch(rs, new Tokens(opts.file, ''), opts.now);
  try {
    batch.run(tx);
  } catch {
    tx.rollback();
    return applyNft(rs, batch.text(), opts);
  }
  rs.generation++;
}

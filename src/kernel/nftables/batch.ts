// An `nft -f` transaction for one table held as data: chain commands, lists of rules and set
// elements as records, anything else as its text line. Applying it runs the same commands as
// its text would, without writing the text and reading it back; the text (what `nft -f` is
// given) is written only when something asks for it. On any error the batch is undone and its
// text applied instead, so errors are nft's own, with their line and column.
import { Tokens } from './lexer.js';
import { wordsOf } from './chain-group.js';
import type { WordRefs } from './lazy-rule.js';
import { tableKey, type NftFamily, type NftRuleset } from './ruleset.js';
import { applyNft, type ApplyOptions } from './transaction.js';
import { TxBatch } from './batch-tx.js';
import type { BatchImage } from './batch-image.js';

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

  /**
   * A span of the batch (op indexes) run from an image of another node's run of the same span
   * when the table is in the state that one started from, else run and, with `record`, recorded
   * into `recorded` if it can be kept (batch-image.ts).
   */
  span?: { from: number; to: number; image?: BatchImage; record?: boolean; recorded?: BatchImage };

  /** Where the next command goes (for span and segment). */
  get mark(): number {
    return this.ops.length;
  }

  /** The commands from `from` to before `to` (to append to another batch: they are never changed). */
  segment(from: number, to: number): BatchSegment {
    const [a, l0, e] = this.counts(from);
    const [a1, l1, e1] = this.counts(to);
    let listed = 0;
    for (let i = from, l = l0; i < to; i++) {
      const op = this.ops[i]!;
      if (op === Op.AddFlushChains) listed += this.lists[l++]!.length * 2 - 1;
      else if (op === Op.GroupRules) listed += this.groupLists[l++]!.reduce((n, r) => n + r.length, 0) - 1;
      else if (op === Op.Rules) listed += this.lists[l++]!.length - 1;
    }
    return { ops: this.ops.slice(from, to), args: this.args.slice(a, a1), elements: this.elements.slice(e, e1), lists: this.lists.slice(l0, l1), groupLists: this.groupLists.slice(l0, l1), listed };
  }

  /** How many args, lists and elements the commands before `to` use. */
  private counts(to: number): [number, number, number] {
    let a = 0;
    let l = 0;
    let e = 0;
    for (let i = 0; i < to; i++) {
      const op = this.ops[i]!;
      if (op === Op.AddElement || op === Op.DeleteElement) e++;
      else {
        a++;
        if (op === Op.Rules || op === Op.AddFlushChains || op === Op.GroupRules) l++;
      }
    }
    return [a, l, e];
  }

  /** Appends another batch's segment (for the same table). */
  append(seg: BatchSegment): void {
    push(this.ops, seg.ops);
    push(this.args, seg.args);
    push(this.elements, seg.elements);
    push(this.lists, seg.lists);
    push(this.groupLists, seg.groupLists);
    this.listed += seg.listed;
    this.written = undefined;
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
    const span = this.span;
    for (let i = 0, a = 0, l = 0, e = 0; i < this.ops.length; i++) {
      if (span && i === span.to && tx.recorder) span.recorded = (flush(), tx.recorded());
      if (span && i === span.from) {
        flush();
        if (span.image && tx.replay(this.key, span.image)) {
          [a, l, e] = this.counts(span.to);
          i = span.to - 1;
          continue;
        }
        if (span.record) tx.record(this.key);
      }
      const op = this.ops[i]!;
      const recorder = tx.recorder;
      if (op === Op.AddElement || op === Op.DeleteElement) {
        const el = this.elements[e++]!;
        flush();
        if (!tx.element(this.key, op === Op.AddElement, el)) {
          lines.push(elementLine(this.head, op, el));
          if (recorder) recorder.ok = false;
        } else if (recorder && op === Op.DeleteElement) recorder.ok = false;
        continue;
      }
      const w = this.args[a++]!;
      if (recorder && op !== Op.AddFlushChains && op !== Op.GroupRules) recorder.ok = false;
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
        if (!attached) {
          if (recorder) recorder.ok = false;
          tx.addFlushChains(this.key, names!);
        }
      } else if (op === Op.GroupRules) {
        const names = this.lists[l]!;
        const rules = this.groupLists[l++]!;
        // held unread with its chains: nothing to do
        if (attached === names) continue;
        if (recorder) recorder.ok = false;
        for (let c = 0; c < names.length; c++) {
          if (rules[c]!.length) this.runRules(tx, names[c]!, rules[c]!, lines, flush);
          flush();
        }
      } else tx.chain(this.key, 'flush', w);
    }
    flush();
    if (span && span.to === this.ops.length && tx.recorder) span.recorded = tx.recorded();
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

/** A run of a batch's commands (NftBatch.segment). */
export interface BatchSegment {
  readonly ops: readonly Op[];
  readonly args: readonly string[];
  readonly elements: readonly ElementRecord[];
  readonly lists: readonly (readonly string[])[];
  readonly groupLists: readonly ((readonly (readonly string[])[]) | undefined)[];
  readonly listed: number;
}

/** Appends a long list (no spread: its length would overflow the stack). */
function push<T>(to: T[], from: readonly T[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]!);
}

function elementLine(h: string, op: Op, e: ElementRecord): string {
  if (op === Op.DeleteElement) return `delete element ${h} ${e.container} { ${e.key} }`;
  return `add element ${h} ${e.container} { ${e.key}${e.comment !== undefined ? ` comment "${e.comment}"` : ''}${e.value ? ` : ${e.value}` : ''} }`;
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

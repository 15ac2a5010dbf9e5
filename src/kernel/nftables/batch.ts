// An `nft -f` transaction for one table held as data: chain commands and lists of rules as
// records, anything else as its text line. Applying it runs the same commands as its text would, without
// writing the text and reading it back; the text (what `nft -f` is given) is written only when
// something asks for it. On any error the batch is undone and its text applied instead, so
// errors are nft's own, with their line and column.
import { Tokens, type Token } from './lexer.js';
import { LazyRule, wordRefs, type WordRefs } from './lazy-rule.js';
import { timedRule } from './parse-memo.js';
import { tableKey, type NftFamily, type NftRuleset } from './ruleset.js';
import { applyNft, plainRule, Tx, type ApplyOptions } from './transaction.js';

const enum Op {
  Text,
  AddChain,
  FlushChain,
  Rules,
}

const CHAIN_VERB = ['', 'add', 'flush'];

/** A transaction's commands for `table FAMILY NAME`, in order. */
export class NftBatch {
  /** What the text's lines name the table with (`ip kube-proxy`). */
  readonly head: string;
  readonly key: string;
  private readonly ops: Op[] = [];
  /** Each op's words: a text op's line, a chain or rules op's chain. */
  private readonly args: string[] = [];
  /** A rules op's list (by its place among the rules ops). */
  private readonly lists: (readonly string[])[] = [];
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

  addChain(name: string): void {
    this.ops.push(Op.AddChain);
    this.args.push(name);
  }

  flushChain(name: string): void {
    this.ops.push(Op.FlushChain);
    this.args.push(name);
  }

  /** `add rule TABLE chain rule` for each rule of the list (a list shared by every node that writes it). */
  rules(chain: string, list: readonly string[]): void {
    if (!list.length) return;
    this.ops.push(Op.Rules);
    this.args.push(chain);
    this.lists.push(list);
    this.listed += list.length - 1;
  }

  /** The `nft -f` input, one command a line (written once). */
  text(): string {
    if (this.written !== undefined) return this.written;
    const h = this.head;
    const parts: string[] = [];
    let chunk: string[] = [];
    for (let i = 0, a = 0, l = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      const w = this.args[a++]!;
      if (op === Op.Text) chunk.push(w);
      else if (op === Op.Rules) for (const r of this.lists[l++]!) chunk.push(`add rule ${h} ${w} ${r}`);
      else chunk.push(`${CHAIN_VERB[op]} chain ${h} ${w}`);
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
    const flush = (): void => {
      if (!lines.length) return;
      tx.ts = new Tokens(tx.ts.file, lines.join('\n') + '\n');
      tx.run();
      lines.length = 0;
    };
    for (let i = 0, a = 0, l = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      const w = this.args[a++]!;
      if (op === Op.Text) {
        lines.push(w);
        continue;
      }
      flush();
      if (op === Op.Rules) {
        const list = this.lists[l++]!;
        const words = wordsOf(list);
        for (let k = 0; k < list.length; k++) {
          const wr = words[k]!;
          if (wr) {
            flush();
            tx.lazyRule(this.key, w, list[k]!, wr);
          } else lines.push(`add rule ${this.head} ${w} ${list[k]!}`);
        }
      } else tx.chain(this.key, CHAIN_VERB[op]!, w);
    }
    flush();
  }
}

/** Per rule list, each rule's names (null: not a plain rule, read from its text line): every node writing the list reads its words once. */
const wordsByList = new WeakMap<readonly string[], (WordRefs | null)[]>();

function wordsOf(list: readonly string[]): (WordRefs | null)[] {
  let w = wordsByList.get(list);
  if (!w) wordsByList.set(list, (w = list.map((r) => (plainRule(r, 0, r.length) && !timedRule(r) ? wordRefs(r) : null))));
  return w;
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

  /** A plain rule put into its chain unread (lazy-rule.ts), with the names its words give. */
  lazyRule(key: string, chain: string, rule: string, { refs, fed }: WordRefs): void {
    const t = this.table(key);
    const c = t.chains.get(chain);
    if (!c) throw new Error('no chain');
    this.checkNames(t, refs, () => AT);
    for (const name of fed) {
      const s = t.sets.get(name)!;
      if (s.size === undefined && s.kernelSize === undefined) this.assign(s, 'kernelSize', 65535);
    }
    this.refsUse(t, refs, 1);
    this.insertRule(t, c, AT, 'add', undefined, new LazyRule(rule, this.rs.handle(), refs, fed));
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

// An `nft -f` transaction for one table held as data: chain commands and plain rules as records,
// anything else as its text line. Applying it runs the same commands as its text would, without
// writing the text and reading it back; the text (what `nft -f` is given) is written only when
// something asks for it. On any error the batch is undone and its text applied instead, so
// errors are nft's own, with their line and column.
import { Tokens, type Token } from './lexer.js';
import { knownRule, parseRuleLine } from './parse-memo.js';
import { tableKey, type NftFamily, type NftRuleset } from './ruleset.js';
import { applyNft, plainRule, Tx, type ApplyOptions } from './transaction.js';

const enum Op {
  Text,
  AddChain,
  FlushChain,
  Rule,
}

const CHAIN_VERB = ['', 'add', 'flush'];

/** A transaction's commands for `table FAMILY NAME`, in order. */
export class NftBatch {
  /** What the text's lines name the table with (`ip kube-proxy`). */
  readonly head: string;
  readonly key: string;
  private readonly ops: Op[] = [];
  /** Each op's words: a text op's line, a chain op's chain, a rule op's chain and rule. */
  private readonly args: string[] = [];
  private written?: string;

  constructor(
    readonly family: NftFamily,
    readonly table: string,
  ) {
    this.head = `${family} ${table}`;
    this.key = tableKey(family, table);
  }

  get count(): number {
    return this.ops.length;
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

  /** `add rule TABLE chain rule` */
  rule(chain: string, rule: string): void {
    this.ops.push(Op.Rule);
    this.args.push(chain, rule);
  }

  /** The `nft -f` input, one command a line (written once). */
  text(): string {
    if (this.written !== undefined) return this.written;
    const h = this.head;
    const parts: string[] = [];
    let chunk: string[] = [];
    for (let i = 0, a = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      const w = this.args[a++]!;
      if (op === Op.Text) chunk.push(w);
      else if (op === Op.Rule) chunk.push(`add rule ${h} ${w} ${this.args[a++]!}`);
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
    for (let i = 0, a = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      const w = this.args[a++]!;
      if (op === Op.Text) {
        lines.push(w);
        continue;
      }
      flush();
      if (op === Op.Rule) {
        const rule = this.args[a++]!;
        if (!tx.rule(this.key, w, rule)) lines.push(`add rule ${this.head} ${w} ${rule}`);
      } else tx.chain(this.key, CHAIN_VERB[op]!, w);
    }
    flush();
  }
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

  /** A plain rule put straight into its chain; false when it is not one (its text line is read instead). */
  rule(key: string, chain: string, rule: string): boolean {
    const t = this.table(key);
    const c = t.chains.get(chain);
    if (!c) throw new Error('no chain');
    const parsed = knownRule(rule) ?? (plainRule(rule, 0, rule.length) ? parseRuleLine(this.ts.file, rule, 0, rule.length, 1, 0, this.now) : undefined);
    if (!parsed) return false;
    this.putRule(t, c, AT, 'add', undefined, parsed, () => AT);
    return true;
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

// Rules a batch puts into a chain unread: their text and the names they use, read off the words
// (what jump/goto send to, the @sets, the sets `update`/`add` feed), parsed when something first
// reads their statements (a trace, a listing) — a sync of 10,000 Services hands the kernel
// 200,000 rules of which a trace reads a few. Only rules of knet's own agents come this way
// (their addresses were checked when the agent's view was made); the parse must find the names
// the words gave, or knet's reading is wrong and says so.
import type { Stmt } from './expr.js';
import { listedText } from './list-shape.js';
import { parseRuleLine, sharedRefs } from './parse-memo.js';
import type { RuleRefs } from './parse-rule.js';
import type { NftRule } from './ruleset.js';
import { plainRule } from './transaction.js';

/** What a rule's words say it uses: chains, sets, and the sets it adds the packet's key to. */
export interface WordRefs {
  refs: RuleRefs;
  fed: string[];
}

const NO_FED: string[] = [];

/** Rules stamped with the clock (element timeouts): read anew each time, never stored unread. */
const TIMED = /\b(?:timeout|expires)\b/;
/** A jump/goto and its target, or an @set (after update/add: one the rule feeds), each at a word's start. */
const NAMES = /(?:^|[ {},])(?:(?:jump|goto)[ {},]+([^ {},]+)|(update[ {},]+|add[ {},]+)?@([^ {},]+))/g;

/**
 * The names a rule uses, read off its words; null unless it is a plain rule (plainRule) and not
 * stamped with the clock.
 */
export function wordRefs(text: string): WordRefs | null {
  if (text.length === 0 || !plainRule(text, 0, text.length)) return null;
  if ((text.includes('timeout') || text.includes('expires')) && TIMED.test(text)) return null;
  let chains: string[] | undefined;
  let sets: string[] | undefined;
  let fed = NO_FED;
  NAMES.lastIndex = 0;
  for (let m = NAMES.exec(text); m; m = NAMES.exec(text)) {
    if (m[1] !== undefined) (chains ??= []).push(m[1]);
    else {
      (sets ??= []).push(m[3]!);
      if (m[2] !== undefined) (fed === NO_FED ? (fed = []) : fed).push(m[3]!);
    }
  }
  return { refs: sharedRefs(chains ?? [], sets ?? []), fed };
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The sets a rule's statements feed from the packet path. */
export function fedSets(stmts: readonly Stmt[]): string[] {
  const out: string[] = [];
  for (const st of stmts) if (st.k === 'update') out.push(st.set);
  return out;
}

/** How `nft list` prints a rule of an unread group (chain-group.ts), reading it only where its shape does not say (list-shape.ts). */
export function unreadListText(text: string, words: WordRefs, print: (r: NftRule) => string): string {
  return listedText(text, () => print(new LazyRule(text, 0, words.refs, words.fed)));
}

/** A rule held as its text until its statements are read. */
export class LazyRule implements NftRule {
  private parsed?: Stmt[];

  constructor(
    readonly text: string,
    readonly handle: number,
    readonly refs: RuleRefs,
    private readonly fed: readonly string[],
  ) {}

  get stmts(): Stmt[] {
    if (this.parsed) return this.parsed;
    const m = parseRuleLine('(unread rule)', this.text, 0, this.text.length, 1, 0, 0);
    if (!m || m.comment !== undefined || !same(m.refs.chains, this.refs.chains) || !same(m.refs.sets, this.refs.sets) || !same(fedSets(m.stmts), this.fed)) {
      throw new Error(`knet: the nft rule "${this.text}" was stored unread and does not read as its words said`);
    }
    return (this.parsed = m.stmts);
  }

  /** As `nft list` prints it: from its shape when a rule of that shape printed so before (list-shape.ts), else from its statements. */
  listText(print: (r: NftRule) => string): string {
    return this.parsed ? print(this) : listedText(this.text, () => print(this));
  }
}

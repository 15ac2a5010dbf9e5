// Rules a batch puts into a chain unread: their text and the names they use, read off the words
// (what jump/goto send to, the @sets, the sets `update`/`add` feed), parsed when something first
// reads their statements (a trace, a listing) — a sync of 10,000 Services hands the kernel
// 200,000 rules of which a trace reads a few. Only rules of knet's own agents come this way
// (their addresses were checked when the agent's view was made); the parse must find the names
// the words gave, or knet's reading is wrong and says so.
import type { Stmt } from './expr.js';
import { parseRuleLine, sharedRefs } from './parse-memo.js';
import type { RuleRefs } from './parse-rule.js';
import type { NftRule } from './ruleset.js';

/** What a rule's words say it uses: chains, sets, and the sets it adds the packet's key to. */
export interface WordRefs {
  refs: RuleRefs;
  fed: string[];
}

const NO_FED: string[] = [];

function separator(c: number): boolean {
  return c === 32 || c === 123 || c === 125 || c === 44;
}

/** Whether text[i, j) is `w`. */
function isWord(text: string, i: number, j: number, w: string): boolean {
  return j - i === w.length && text.startsWith(w, i);
}

/** The names a plain rule (plainRule()) uses, from its words: no parse. */
export function wordRefs(text: string): WordRefs {
  let chains: string[] | undefined;
  let sets: string[] | undefined;
  let fed = NO_FED;
  // what the previous word was: 1 jump/goto (this word is a chain), 2 update/add (this @set is fed)
  let prev = 0;
  for (let i = 0; i < text.length; ) {
    if (separator(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && !separator(text.charCodeAt(j))) j++;
    if (prev === 1) {
      (chains ??= []).push(text.slice(i, j));
      prev = 0;
    } else {
      if (text.charCodeAt(i) === 64) {
        const name = text.slice(i + 1, j);
        (sets ??= []).push(name);
        if (prev === 2) (fed === NO_FED ? (fed = []) : fed).push(name);
      }
      prev = isWord(text, i, j, 'jump') || isWord(text, i, j, 'goto') ? 1 : isWord(text, i, j, 'update') || isWord(text, i, j, 'add') ? 2 : 0;
    }
    i = j;
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
}

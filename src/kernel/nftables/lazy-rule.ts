// Rules a batch puts into a chain unread: their text and the names they use, read off the words
// (what jump/goto send to, the @sets, the sets `update`/`add` feed), parsed when something first
// reads their statements (a trace, a listing) — a sync of 10,000 Services hands the kernel
// 200,000 rules of which a trace reads a few. Only rules of knet's own agents come this way
// (their addresses were checked when the agent's view was made); the parse must find the names
// the words gave, or knet's reading is wrong and says so.
import { sameItems } from '../../api/same-json.js';
import type { Stmt } from './expr.js';
import { listedText } from './list-shape.js';
import { parseRuleLine, sharedRefs } from './parse-memo.js';
import type { RuleRefs } from './parse-rule.js';
import type { NftRule } from './ruleset.js';

/** What a rule's words say it uses: chains, sets, and the sets it adds the packet's key to. */
export interface WordRefs {
  refs: RuleRefs;
  fed: string[];
}

const NO_FED: string[] = [];

/** Rules stamped with the clock (element timeouts): read anew each time, never stored unread. */
const TIMED = /\b(?:timeout|expires)\b/;

/** Space, `{`, `}` and `,`: what separates a plain rule's words. */
function sep(c: number): boolean {
  return c === 32 || c === 123 || c === 125 || c === 44;
}

// The scans run as regular expressions (native code) where they cross many characters: a sync of
// 10,000 Services reads 200,000 rules' words.
/** Every character a plain rule may hold (plainRule's, braces and separators included). */
const PLAIN_CHARS = /^[ !$-:<-[\]-~]*$/;
/** A word start where a name may begin (`jump`, `goto`, `update`, `add`, `@`). */
const CANDIDATE = /(?:^|[ {},])[jgua@]/g;
const SEPARATOR = /[ {},]/g;

/** Where the word at `at` ends. */
function wordEnd(text: string, at: number): number {
  SEPARATOR.lastIndex = at;
  return SEPARATOR.test(text) ? SEPARATOR.lastIndex - 1 : text.length;
}

/** After `at`, past one or more separators: where the next word starts (-1 if none follows). */
function pastSeps(text: string, at: number): number {
  if (at >= text.length || !sep(text.charCodeAt(at))) return -1;
  let i = at + 1;
  while (i < text.length && sep(text.charCodeAt(i))) i++;
  return i < text.length ? i : -1;
}

/** plainRule(text, 0, text.length), its character test and brace count done natively. */
function plainText(text: string): boolean {
  const n = text.length;
  if (n === 0 || text.charCodeAt(0) === 32 || text.charCodeAt(n - 1) === 32 || !PLAIN_CHARS.test(text)) return false;
  let open = text.indexOf('{');
  let close = text.indexOf('}');
  for (let depth = 0; open >= 0 || close >= 0; ) {
    if (open >= 0 && (close < 0 || open < close)) {
      depth++;
      open = text.indexOf('{', open + 1);
    } else {
      if (--depth < 0) return false;
      close = text.indexOf('}', close + 1);
    }
    if (open < 0 && close < 0 && depth !== 0) return false;
  }
  return !(text.startsWith('index ') || text.startsWith('handle ') || text.startsWith('position '));
}

/** Rules naming at most one chain and no set share their words, by their (shared) refs. */
const plainWords = new Map<RuleRefs, WordRefs>();
const PLAIN_WORDS_LIMIT = 100_000;

/**
 * The names a rule uses, read off its words: a word (at the start or after a separator) `jump` or
 * `goto` and the next word, a chain; a word `@name`, a set, fed when the word before it is
 * `update` or `add`. Null unless it is a plain rule (plainRule) and not stamped with the clock.
 */
export function wordRefs(text: string): WordRefs | null {
  if (!plainText(text)) return null;
  if ((text.includes('timeout') || text.includes('expires')) && TIMED.test(text)) return null;
  let chains: string[] | undefined;
  let sets: string[] | undefined;
  let fed = NO_FED;
  const n = text.length;
  for (let from = 0; from < n; ) {
    CANDIDATE.lastIndex = from;
    if (!CANDIDATE.test(text)) break;
    const w = CANDIDATE.lastIndex - 1;
    const c = text.charCodeAt(w);
    let end = -1;
    if ((c === 106 && text.startsWith('jump', w)) || (c === 103 && text.startsWith('goto', w))) {
      const t = pastSeps(text, w + 4);
      if (t >= 0) {
        end = wordEnd(text, t);
        (chains ??= []).push(text.slice(t, end));
      }
    } else if ((c === 117 && text.startsWith('update', w)) || (c === 97 && text.startsWith('add', w))) {
      const t = pastSeps(text, w + (c === 117 ? 6 : 3));
      if (t >= 0 && text.charCodeAt(t) === 64 && t + 1 < n && !sep(text.charCodeAt(t + 1))) {
        end = wordEnd(text, t + 1);
        const name = text.slice(t + 1, end);
        (sets ??= []).push(name);
        (fed === NO_FED ? (fed = []) : fed).push(name);
      }
    } else if (c === 64 && w + 1 < n && !sep(text.charCodeAt(w + 1))) {
      end = wordEnd(text, w + 1);
      (sets ??= []).push(text.slice(w + 1, end));
    }
    // a match ends before a separator the next word start may use; else look past this word's first character
    from = end >= 0 ? end : w + 1;
  }
  const refs = sharedRefs(chains ?? [], sets ?? []);
  // (sharedRefs shares the refs of rules naming at most one chain and no set)
  if (sets || (chains && chains.length > 1)) return { refs, fed };
  let words = plainWords.get(refs);
  if (!words) {
    if (plainWords.size >= PLAIN_WORDS_LIMIT) plainWords.clear();
    plainWords.set(refs, (words = { refs, fed }));
  }
  return words;
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
    if (!m || m.comment !== undefined || !sameItems(m.refs.chains, this.refs.chains) || !sameItems(m.refs.sets, this.refs.sets) || !sameItems(fedSets(m.stmts), this.fed)) {
      throw new Error(`knet: the nft rule "${this.text}" was stored unread and does not read as its words said`);
    }
    return (this.parsed = m.stmts);
  }

  /** As `nft list` prints it: from its shape when a rule of that shape printed so before (list-shape.ts), else from its statements. */
  listText(print: (r: NftRule) => string): string {
    return this.parsed ? print(this) : listedText(this.text, () => print(this));
  }
}

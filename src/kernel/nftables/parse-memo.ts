// Rules read once. By their text: the same rule on every node (endpoint chains, fixed chains)
// and in every sync is parsed once. By their shape — the text with its addresses and jump/goto
// targets taken out: rules that differ only there (two per endpoint, one per Service) are built
// from the first one of that shape parsed, each literal put where the parser put its value.
// Statements are never changed after parsing, so parts of them can be shared.
import { Tokens, type Token } from './lexer.js';
import { collectSlots, parseStatements, type ParsedRule, type RuleRefs, type Slot } from './parse-rule.js';
import { targetsOf, type Stmt } from './expr.js';
import { setOf } from './ruleset.js';

/** A rule read before: statements, text, comment and the names it uses. */
export type Memo = Omit<ParsedRule, 'at' | 'refs'> & { refs: RuleRefs };

const parsedByText = new Map<string, Memo>();
/** Per shape: the first rule of it parsed and where its literals went (null: it cannot be rebuilt so). */
const templates = new Map<string, Template | null>();
const MEMO_LIMIT = 1_000_000;
/** Element timeouts are stamped with the clock: such a rule is read anew each time. */
const TIMED = /\b(timeout|expires)\b/;

interface Template {
  stmts: Stmt[];
  /** One per literal of the shape, in text order: the part built from it and how to build another. */
  slots: { obj: object; text: string; make: (text: string) => object | undefined }[];
  /** The objects between the statement list and the slots (copied when a slot below them changes). */
  above: Set<object>;
}

const NO_REFS: RuleRefs = { chains: [], sets: [] };
/** Rules that name one chain and no set, by that chain (most rules), sharing one record. */
const oneChain = new Map<string, RuleRefs>();

/** The chains a rule sends packets to and the sets it names. */
export function refsOf(stmts: readonly Stmt[]): RuleRefs {
  const chains: string[] = [];
  const sets: string[] = [];
  for (const st of stmts) {
    chains.push(...targetsOf(st));
    const set = setOf(st);
    if (set !== undefined) sets.push(set);
  }
  return sharedRefs(chains, sets);
}

/** A refs record for these names (rules naming one chain and no set share one). */
export function sharedRefs(chains: string[], sets: string[]): RuleRefs {
  if (sets.length === 0 && chains.length <= 1) {
    if (chains.length === 0) return NO_REFS;
    let r = oneChain.get(chains[0]!);
    if (!r) {
      if (oneChain.size >= MEMO_LIMIT) oneChain.clear();
      oneChain.set(chains[0]!, (r = { chains, sets }));
    }
    return r;
  }
  return { chains, sets };
}

function remember(key: string, r: Omit<ParsedRule, 'at'>): Memo {
  const m: Memo = { stmts: r.stmts, text: r.text, ...(r.comment !== undefined ? { comment: r.comment } : {}), refs: r.refs ?? refsOf(r.stmts) };
  if (TIMED.test(key)) return m;
  if (parsedByText.size >= MEMO_LIMIT) parsedByText.clear();
  parsedByText.set(key, m);
  return m;
}

/** The statements of a rule up to the end of the line (or `;` / `}`), remembered by their text. */
export function parseRule(ts: Tokens, now: number): ParsedRule {
  const start = ts.pos;
  const at = ts.peek();
  let end = start;
  for (let depth = 0; ; end++) {
    const k = ts.at(end).kind;
    if (k === 'eof' || (depth === 0 && (k === 'nl' || k === ';' || k === '}'))) break;
    if (k === '{') depth++;
    else if (k === '}') depth--;
  }
  if (end === start) return parseStatements(ts, now);
  const key = ts.source.slice(at.at, ts.at(end - 1).stop);
  const hit = parsedByText.get(key);
  if (hit) {
    ts.pos = end;
    return { ...hit, at };
  }
  const r = parseStatements(ts, now);
  if (ts.pos === end) return { ...remember(key, r), at };
  return r;
}

// Literal forms, each its own mark in a shape (a shape's rules have the same form at each place).
const V4 = '\\d{1,3}(?:\\.\\d{1,3}){3}';
const V6 = '[0-9a-fA-F]*:[0-9a-fA-F:.]*:[0-9a-fA-F.]*';
const FORMS = [new RegExp(`^${V4}$`), new RegExp(`^${V4}:\\d{1,5}$`), new RegExp(`^${V4}/\\d{1,2}$`), new RegExp(`^${V6}$`), new RegExp(`^\\[${V6}\\]:\\d{1,5}$`), new RegExp(`^${V6}/\\d{1,3}$`)];
export const CHAIN_MARK = '\u0007';

/** Characters an address literal is made of: hex digits and `.:/[]`. */
const ADDRESS_CHARS = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF.:/[]') ADDRESS_CHARS[c.charCodeAt(0)] = 1;

/** The word at [i, j) as a literal form's mark, if it is one. */
function addressMark(text: string, i: number, j: number): string | undefined {
  // most words (ip, daddr, jump, …) have a letter no address has: no regex for them
  for (let k = i; k < j; k++) if (ADDRESS_CHARS[text.charCodeAt(k)] !== 1) return undefined;
  const w = text.slice(i, j);
  for (let f = 0; f < FORMS.length; f++) if (FORMS[f]!.test(w)) return String.fromCharCode(1 + f);
  return undefined;
}

/** Words end at a space or one of `{ } ,` (the only separators a rule line read here has). */
function isSeparator(c: number): boolean {
  return c === 32 || c === 123 || c === 125 || c === 44;
}

/** A rule's text with its literals replaced by their marks (a mark is one character: 1-6 an address form, 7 a chain). */
export interface Shape {
  shape: string;
  literals: string[];
  offsets: number[];
  /** Whether an address literal stands inside braces (an anonymous set's or map's key: printed in sorted order). */
  braced: boolean;
}

/** The rule text with its literals replaced by their marks, the literals and their offsets. */
export function shapeOf(text: string): Shape | undefined {
  let shape = '';
  let last = 0;
  const literals: string[] = [];
  const offsets: number[] = [];
  let target = false;
  let depth = 0;
  let braced = false;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (isSeparator(c)) {
      // a jump/goto target is the next word
      if (c !== 32) target = false;
      if (c === 123) depth++;
      else if (c === 125) depth--;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && !isSeparator(text.charCodeAt(j))) j++;
    const mark = target ? CHAIN_MARK : addressMark(text, i, j);
    target = !target && j - i === 4 && (text.startsWith('jump', i) || text.startsWith('goto', i));
    if (mark) {
      if (depth > 0 && mark !== CHAIN_MARK) braced = true;
      shape += text.slice(last, i) + mark;
      literals.push(text.slice(i, j));
      offsets.push(i);
      last = j;
    }
    i = j;
  }
  return literals.length ? { shape: shape + text.slice(last), literals, offsets, braced } : undefined;
}

function instantiate(tpl: Template, literals: string[]): Stmt[] | undefined {
  const built = new Map<object, object>();
  for (let i = 0; i < literals.length; i++) {
    const slot = tpl.slots[i]!;
    if (literals[i] === slot.text) continue;
    const v = slot.make(literals[i]!);
    if (!v) return undefined;
    built.set(slot.obj, v);
  }
  return built.size ? (rebuilt(tpl.stmts, built, tpl.above) as Stmt[]) : tpl.stmts;
}

/** `node` with the built parts in place of the slots below it; parts the literals did not change stay the template's own. */
function rebuilt(node: unknown, built: Map<object, object>, above: Set<object>): unknown {
  const b = built.get(node as object);
  if (b) return b;
  if (!above.has(node as object)) return node;
  if (Array.isArray(node)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const c = rebuilt(node[i], built, above);
      if (c !== node[i]) (out ??= [...node])[i] = c;
    }
    return out ?? node;
  }
  let out: Record<string, unknown> | undefined;
  for (const k in node as Record<string, unknown>) {
    const v = (node as Record<string, unknown>)[k];
    const c = rebuilt(v, built, above);
    if (c !== v) (out ??= { ...(node as Record<string, unknown>) })[k] = c;
  }
  return out ?? node;
}

/** A template from a parsed rule, when every literal of its shape went to exactly one part of it. */
function templateOf(stmts: Stmt[], literals: string[], offsets: number[], slots: Slot[]): Template | null {
  const bySlot = new Map<number, Slot[]>();
  for (const s of slots) bySlot.set(s.at, [...(bySlot.get(s.at) ?? []), s]);
  const used: Template['slots'] = [];
  for (let i = 0; i < literals.length; i++) {
    const found = bySlot.get(offsets[i]!) ?? [];
    if (found.length !== 1 || found[0]!.text !== literals[i]) return null;
    used.push(found[0]!);
  }
  const want = new Set(used.map((s) => s.obj));
  const above = new Set<object>();
  let seen = 0;
  const walk = (node: unknown, path: object[]): void => {
    if (typeof node !== 'object' || node === null) return;
    if (want.has(node)) {
      seen++;
      for (const p of path) above.add(p);
      return;
    }
    for (const v of Object.values(node)) walk(v, [...path, node]);
  };
  walk(stmts, []);
  if (seen !== used.length) return null;
  const tpl: Template = { stmts, slots: used.map((s) => ({ obj: s.obj, text: s.text, make: s.make })), above };
  // each part rebuilt from its own literal must be the parsed one
  const json = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return tpl.slots.every((s) => json(s.make(s.text)) === json(s.obj)) ? tpl : null;
}

/** A rule read before, by its whole text (any rule text the parser read is read the same again). */
export function knownRule(text: string): Memo | undefined {
  return parsedByText.get(text);
}

/** The first token of a rule at `start` (what nft's errors about the whole rule point at). */
export function firstToken(source: string, start: number, end: number, line: number, lineStart: number): Token {
  const col = start - lineStart + 1;
  const c = source[start]!;
  if (c === '{' || c === '}' || c === ',') return { kind: c, text: c, line, col, end: col, at: start, stop: start + 1 };
  let j = start;
  while (j < end && !isSeparator(source.charCodeAt(j))) j++;
  return { kind: 'word', text: source.slice(start, j), line, col, end: j - lineStart, at: start, stop: j };
}

/**
 * A rule that is the rest of a line, source[start, end): no quotes, comments, semicolons, control
 * characters or line continuations, balanced braces, no space first or last — read from the text
 * without the transaction's cursor (`line`/`lineStart` place it for errors). Undefined when the
 * rule did not end at the line's end (the caller reads it the ordinary way); nft's error when it
 * is not a rule.
 */
export function parseRuleLine(file: string, source: string, start: number, end: number, line: number, lineStart: number, now: number): Memo | undefined {
  const key = source.slice(start, end);
  const hit = parsedByText.get(key);
  if (hit) return hit;
  const shape = TIMED.test(key) || /[\u0000-\u0007]/.test(key) ? undefined : shapeOf(key);
  const tpl = shape && templates.get(shape.shape);
  if (shape && tpl) {
    const stmts = instantiate(tpl, shape.literals);
    if (stmts) return remember(key, { stmts, text: key });
  }
  const ts = Tokens.from(file, source, start, line, lineStart);
  const { result: r, slots } = collectSlots(() => parseStatements(ts, now));
  const stop = ts.peek();
  if (stop.at !== end || (stop.kind !== 'nl' && stop.kind !== 'eof')) return undefined;
  if (shape && !templates.has(shape.shape)) {
    if (templates.size >= MEMO_LIMIT) templates.clear();
    templates.set(shape.shape, templateOf(r.stmts, shape.literals, shape.offsets.map((o) => o + start), slots));
  }
  return remember(key, r);
}

// `nft -f`: a transaction of commands (add/create/insert/replace/flush/delete/destroy of
// tables, chains, rules, sets, maps, elements; `table … { … }` blocks as `nft list ruleset`
// prints them) applied atomically — all of it, or on the first error nothing, with nft's error
// line (`FILE:LINE:A-B: Error: Could not process rule: No such file or directory`).
import type { ChainType, HookName } from '../hooks.js';
import { PRIORITY } from '../hooks.js';
import { Tokens, type Token } from './lexer.js';
import { firstToken, parseRule, parseRuleLine, refsOf, type Memo } from './parse-memo.js';
import type { ParsedRule, RuleRefs } from './parse-rule.js';
import { NftTable, tableKey, type BaseChain, type NftChain, type NftFamily, type NftRule, type NftRuleset } from './ruleset.js';
import { EBUSY, EEXIST, ENOENT, FAMILIES, HOOKS } from './transaction-core.js';
import { TxSets } from './transaction-sets.js';

export interface ApplyOptions {
  /** How errors name the input (nft: the file, or /dev/stdin for `nft -f -`). */
  file: string;
  /** The clock (ms) for element expiry. */
  now: number;
}

/** Characters of a plain word: printable, none of nft's punctuation, quotes, comments or escapes. */
export const PLAIN = new Uint8Array(128);
for (let c = 33; c < 127; c++) if (!'{};,"#\\'.includes(String.fromCharCode(c))) PLAIN[c] = 1;
const CHAIN_VERBS = new Set(['add', 'create', 'flush', 'delete']);

/** A rule that is plain text to the line's end: printable, no quotes, comments, `;` or escapes, balanced braces, not a position. */
export function plainRule(src: string, start: number, end: number): boolean {
  if (src.charCodeAt(start) === 32 || src.charCodeAt(end - 1) === 32) return false;
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    if (c === 123) depth++;
    else if (c === 125) {
      if (--depth < 0) return false;
    } else if (c !== 32 && c !== 44 && PLAIN[c] !== 1) return false;
  }
  if (depth !== 0) return false;
  return !(src.startsWith('index ', start) || src.startsWith('handle ', start) || src.startsWith('position ', start));
}

/** The words before a chain or rule command's name (`add rule ip kube-proxy `): most lines of a sync share them. */
interface LinePrefix {
  text: string;
  verb: string;
  obj: 'chain' | 'rule';
  /** The table's key in the ruleset. */
  key: string;
}

function linePrefix(src: string, start: number, end: number): LinePrefix | undefined {
  const words: string[] = [];
  let i = start;
  for (let k = 0; k < 4; k++) {
    let j = i;
    while (j < end && PLAIN[src.charCodeAt(j)] === 1) j++;
    if (j === i || src.charCodeAt(j) !== 32) return undefined;
    words.push(src.slice(i, j));
    i = j + 1;
  }
  const [verb, obj, family, table] = words as [string, string, string, string];
  if ((obj !== 'chain' && obj !== 'rule') || !FAMILIES.has(family)) return undefined;
  return { text: src.slice(start, i), verb, obj, key: tableKey(family as NftFamily, table) };
}

export class Tx extends TxSets {
  private prefix?: LinePrefix;

  /** Runs every command; throws (after undoing) on the first error. */
  run(): void {
    const ts = this.ts;
    for (;;) {
      if (this.plainLine()) continue;
      ts.skipNewlines();
      ts.release();
      if (ts.peek().kind === 'eof') {
        for (const f of this.deferred) f();
        this.deferred.length = 0;
        return;
      }
      const at = ts.peek();
      const verb = ts.word('command');
      if (verb === 'table') this.tableBlock(at);
      else if (['add', 'create', 'insert', 'replace', 'delete', 'destroy', 'flush'].includes(verb)) this.command(at, verb);
      else throw this.fail(at, `syntax error, unexpected "${verb}"`);
      if (!ts.atEnd()) throw ts.unexpected('newline or semicolon');
    }
  }

  /**
   * A chain or rule command on a line of its own, as knftables writes them (`add chain ip
   * kube-proxy X`, `add rule ip kube-proxy X …`), read from the text without the cursor's tokens;
   * false (nothing done) for any other line, which the cursor then reads.
   */
  protected plainLine(): boolean {
    const ts = this.ts;
    const start = ts.nextLineStart();
    if (start < 0) return false;
    const src = ts.source;
    let end = src.indexOf('\n', start);
    if (end < 0) end = src.length;
    let p = this.prefix;
    if (!p || !src.startsWith(p.text, start)) {
      p = linePrefix(src, start, end);
      if (!p) return false;
      this.prefix = p;
    }
    const i = start + p.text.length;
    let j = i;
    while (j < end && PLAIN[src.charCodeAt(j)] === 1) j++;
    if (j === i) return false;
    const { verb, obj } = p;
    const line = ts.line;
    const at: Token = { kind: 'word', text: verb, line, col: 1, end: verb.length, at: start, stop: start + verb.length };
    if (obj === 'chain') {
      if (j !== end || !CHAIN_VERBS.has(verb)) return false;
      this.chainCommand(at, verb, this.prefixTable(at, p), src.slice(i, j), false, false);
    } else {
      if (j === end || src.charCodeAt(j) !== 32 || (verb !== 'add' && verb !== 'insert') || !plainRule(src, j + 1, end)) return false;
      const t = this.prefixTable(at, p);
      const name = src.slice(i, j);
      const c = t.chain(name);
      if (!c) throw this.fail(at, ENOENT);
      const parsed = parseRuleLine(ts.file, src, j + 1, end, line, start, this.now);
      if (!parsed) return false;
      this.putRule(t, c, at, verb, undefined, parsed, () => firstToken(src, j + 1, end, line, start));
    }
    ts.skipLine(end);
    return true;
  }

  private prefixTable(at: Token, p: LinePrefix): NftTable {
    const t = this.rs.tables.get(p.key);
    if (!t) throw this.fail(at, ENOENT);
    return t;
  }

  protected command(at: Token, verb: string): void {
    const ts = this.ts;
    const objT = ts.peek();
    const obj = ts.word('object');
    if (obj === 'ruleset') {
      if (verb !== 'flush') throw this.fail(objT, `syntax error, unexpected ruleset`);
      for (const k of [...this.rs.tables.keys()]) this.deleteObject(this.rs.tables, k);
      return;
    }
    const family = this.family();
    const tname = ts.word('table name');
    if (obj === 'table') return this.tableCommand(at, verb, family, tname);
    const name = ts.word(`${obj} name`);
    const table = verb === 'destroy' ? this.rs.table(family, tname) : this.mustTable(at, family, tname);
    if (!table) return;
    switch (obj) {
      case 'chain':
        return this.chainCommand(at, verb, table, name);
      case 'rule':
        return this.ruleCommand(at, verb, table, name);
      case 'set':
      case 'map':
        return this.setCommand(at, verb, table, name, obj === 'map');
      case 'element':
        return this.elementCommand(at, verb, table, name);
      default:
        throw this.fail(objT, `syntax error, unexpected "${obj}"`);
    }
  }

  protected tableCommand(at: Token, verb: string, family: NftFamily, name: string): void {
    const existing = this.rs.table(family, name);
    if (verb === 'add' || verb === 'create') {
      if (existing && verb === 'create') throw this.fail(at, EEXIST);
      const t = existing ?? new NftTable(family, name, this.rs.handle());
      if (!existing) {
        this.setMap(undefined, this.rs.tables, tableKey(family, name), t);
      }
      if (this.ts.peek().kind === '{') this.tableBody(t);
      return;
    }
    if (!existing) {
      if (verb === 'destroy') return;
      throw this.fail(at, ENOENT);
    }
    if (verb === 'flush') {
      for (const c of existing.chains.values()) {
        this.ruleUse(existing, c.rules, -1);
        this.assign(c, 'rules', []);
      }
      for (const s of existing.sets.values()) {
        this.elementUse(existing, s, s.elements.values(), -1);
        this.assign(s, 'elements', new Map());
      }
      return;
    }
    this.deleteObject(this.rs.tables, tableKey(family, name));
  }

  protected tableBlock(at: Token): void {
    const family = this.family();
    const name = this.ts.word('table name');
    this.tableCommand(at, 'add', family, name);
  }

  /** `{ comment "…" ; flags … ; chain … { } set … { } map … { } }` */
  protected tableBody(t: NftTable): void {
    const ts = this.ts;
    ts.expect('{', "'{'");
    this.inBlock = true;
    for (;;) {
      ts.skipNewlines();
      if (ts.accept('}')) {
        this.inBlock = false;
        return;
      }
      const at = ts.peek();
      const w = ts.word('table property');
      if (w === 'comment') this.assign(t, 'comment', ts.expect('string', 'quoted string').text);
      else if (w === 'flags') this.assign(t, 'flags', this.commaWords());
      else if (w === 'chain') this.chainCommand(at, 'add', t, ts.word('chain name'), true);
      else if (w === 'set' || w === 'map') this.setCommand(at, 'add', t, ts.word(`${w} name`), w === 'map');
      else throw this.fail(at, `syntax error, unexpected "${w}"`);
    }
  }

  protected chainCommand(at: Token, verb: string, t: NftTable, name: string, block = false, body = this.ts.peek().kind === '{'): void {
    const existing = t.chain(name);
    if (verb === 'add' || verb === 'create') {
      if (existing && verb === 'create') throw this.fail(at, EEXIST);
      const c: NftChain = existing ?? { name, rules: [], handle: this.rs.handle() };
      if (!existing) {
        this.setMap(t, t.chainObjects, name, c);
      }
      if (body) this.chainBody(t, c, !!existing, block);
      return;
    }
    if (!existing) {
      if (verb === 'destroy') return;
      throw this.fail(at, ENOENT);
    }
    if (verb === 'flush') {
      // an empty chain stays as it is (a sync adds and flushes every chain it writes)
      if (existing.rules.length === 0) return;
      this.ruleUse(t, existing.rules, -1);
      return this.assign(existing, 'rules', []);
    }
    // the kernel deletes a chain's rules with it; only a chain something jumps to is busy
    if (t.references(name) > 0) throw this.fail(at, EBUSY);
    this.ruleUse(t, existing.rules, -1);
    this.deleteObject(t.chainObjects, name);
  }

  protected chainBody(t: NftTable, c: NftChain, existed: boolean, withRules: boolean): void {
    const ts = this.ts;
    ts.expect('{', "'{'");
    for (;;) {
      ts.skipNewlines();
      if (ts.accept('}')) return;
      const at = ts.peek();
      if (ts.isWord('type')) {
        ts.next();
        const base = this.baseSpec(at);
        if (existed && c.base && (c.base.type !== base.type || c.base.hook !== base.hook || c.base.priority !== base.priority)) throw this.fail(at, 'Could not process rule: Operation not supported');
        if (existed && !c.base) throw this.fail(at, 'Could not process rule: Operation not supported');
        this.assign(c, 'base', base);
      } else if (ts.isWord('policy')) {
        ts.next();
        const p = ts.word('accept or drop');
        if (p !== 'accept' && p !== 'drop') throw this.fail(at, `syntax error, unexpected "${p}"`);
        if (!c.base) throw this.fail(at, 'Could not process rule: Operation not supported');
        this.assign(c, 'base', { ...c.base, policy: p });
      } else if (ts.isWord('comment') && ts.peek(1).kind === 'string') {
        ts.next();
        this.assign(c, 'comment', ts.next().text);
      } else if (withRules) this.addRule(t, c, at, 'add');
      else throw this.fail(at, `syntax error, unexpected "${at.text}"`);
    }
  }

  protected baseSpec(at: Token): BaseChain {
    const ts = this.ts;
    const type = ts.word('chain type');
    if (!['filter', 'nat', 'route'].includes(type)) throw this.fail(at, `Could not process rule: No such file or directory`);
    if (ts.word('hook') !== 'hook') throw this.fail(ts.at(ts.pos - 1), 'syntax error, expecting hook');
    const hookT = ts.peek();
    const hook = ts.word('hook name');
    if (!HOOKS.has(hook)) throw this.fail(hookT, `unknown chain hook ${hook}`);
    if (ts.word('priority') !== 'priority') throw this.fail(ts.at(ts.pos - 1), 'syntax error, expecting priority');
    const pT = ts.peek();
    const p = ts.word('priority');
    let priority: number;
    if (/^-?\d+$/.test(p)) priority = Number(p);
    else {
      const std = (PRIORITY as Record<string, number>)[p];
      const ok = std !== undefined && (p === 'dstnat' ? hook === 'prerouting' || hook === 'output' : p === 'srcnat' ? hook === 'postrouting' || hook === 'input' : true);
      if (!ok) throw this.fail(pT, `'${p}' is invalid priority in this context.`);
      priority = std!;
      if (ts.isWord('+') || ts.isWord('-')) {
        const sign = ts.next().text === '+' ? 1 : -1;
        priority += sign * Number(ts.word('number'));
      }
    }
    ts.accept(';');
    let policy: 'accept' | 'drop' = 'accept';
    if (ts.isWord('policy')) {
      ts.next();
      const w = ts.word('policy');
      if (w !== 'accept' && w !== 'drop') throw this.fail(ts.at(ts.pos - 1), `syntax error, unexpected "${w}"`);
      policy = w;
      ts.accept(';');
    }
    return { type: type as ChainType, hook: hook as HookName, priority, policy };
  }

  protected ruleCommand(at: Token, verb: string, t: NftTable, chainName: string): void {
    const c = t.chain(chainName);
    if (!c) throw this.fail(at, ENOENT);
    if (verb === 'delete' || verb === 'destroy') {
      if (this.ts.word('handle') !== 'handle') throw this.fail(at, 'syntax error, expecting handle');
      const h = Number(this.ts.word('handle number'));
      const i = c.rules.findIndex((r) => r.handle === h);
      if (i < 0) {
        if (verb === 'destroy') return;
        throw this.fail(at, ENOENT);
      }
      this.ruleUse(t, [c.rules[i]!], -1);
      this.assign(c, 'rules', c.rules.filter((_, j) => j !== i));
      return;
    }
    if (verb !== 'add' && verb !== 'insert' && verb !== 'replace') throw this.fail(at, `syntax error, unexpected ${verb}`);
    this.addRule(t, c, at, verb);
  }

  protected addRule(t: NftTable, c: NftChain, at: Token, verb: 'add' | 'insert' | 'replace'): void {
    const ts = this.ts;
    let pos: { by: 'index' | 'handle'; n: number } | undefined;
    if ((ts.isWord('index') || ts.isWord('handle') || ts.isWord('position')) && /^\d+$/.test(ts.peek(1).text)) {
      const by = ts.next().text === 'index' ? 'index' : 'handle';
      pos = { by, n: Number(ts.next().text) };
    }
    const parsed = parseRule(ts, this.now);
    this.putRule(t, c, at, verb, pos, parsed, () => parsed.at);
  }

  /** The chains and sets a rule names must exist (nft: No such file or directory). */
  protected checkNames(t: NftTable, refs: RuleRefs, ruleAt: () => Token): void {
    for (const c of refs.chains) if (!t.hasChain(c)) throw this.fail(ruleAt(), ENOENT);
    for (const s of refs.sets) if (!t.sets.has(s)) throw this.fail(ruleAt(), ENOENT);
  }

  /** Puts a parsed rule into the chain; `ruleAt` is its first token (errors about the rule point there). */
  protected putRule(t: NftTable, c: NftChain, at: Token, verb: 'add' | 'insert' | 'replace', pos: { by: 'index' | 'handle'; n: number } | undefined, parsed: Memo | ParsedRule, ruleAt: () => Token): void {
    const refs = parsed.refs ?? refsOf(parsed.stmts);
    if (this.inBlock) this.deferred.push(() => this.checkNames(t, refs, ruleAt));
    else this.checkNames(t, refs, ruleAt);
    // nft sizes a set the packet path writes into (nft's default 65535), once and for good
    for (const st of parsed.stmts) {
      const fed = st.k === 'update' ? t.sets.get(st.set) : undefined;
      if (fed && fed.size === undefined && fed.kernelSize === undefined) this.assign(fed, 'kernelSize', 65535);
    }
    const handle = this.rs.handle();
    const rule: NftRule = parsed.comment !== undefined ? { stmts: parsed.stmts, text: parsed.text, comment: parsed.comment, handle, refs } : { stmts: parsed.stmts, text: parsed.text, handle, refs };
    this.refsUse(t, refs, 1);
    this.insertRule(t, c, at, verb, pos, rule);
  }

  /** Puts the rule at its place in the chain (its names already counted). */
  protected insertRule(t: NftTable, c: NftChain, at: Token, verb: 'add' | 'insert' | 'replace', pos: { by: 'index' | 'handle'; n: number } | undefined, rule: NftRule): void {
    if (verb === 'add' && !pos && this.fresh(c)) {
      c.rules.push(rule);
      return;
    }
    const rules = [...c.rules];
    let i = verb === 'insert' ? 0 : rules.length;
    if (pos) {
      const j = pos.by === 'index' ? pos.n : rules.findIndex((r) => r.handle === pos!.n);
      if (j < 0 || j > rules.length) throw this.fail(at, ENOENT);
      i = verb === 'insert' ? j : j + 1;
    }
    if (verb === 'replace') {
      if (!pos) throw this.fail(at, 'syntax error, replace needs a handle');
      this.ruleUse(t, rules.splice(i - 1, 1, rule), -1);
    } else rules.splice(i, 0, rule);
    this.assign(c, 'rules', rules);
  }
}

/** Applies an `nft -f` text to the ruleset atomically. Returns the number of commands run. */
export function applyNft(rs: NftRuleset, text: string, opts: ApplyOptions): void {
  const tx = new Tx(rs, new Tokens(opts.file, text), opts.now);
  try {
    tx.run();
  } catch (e) {
    tx.rollback();
    throw e;
  }
  rs.generation++;
}

// `nft -f`: a transaction of commands (add/create/insert/replace/flush/delete/destroy of
// tables, chains, rules, sets, maps, elements; `table … { … }` blocks as `nft list ruleset`
// prints them) applied atomically — all of it, or on the first error nothing, with nft's error
// line (`FILE:LINE:A-B: Error: Could not process rule: No such file or directory`).
import type { ChainType, HookName } from '../hooks.js';
import { PRIORITY } from '../hooks.js';
import { parseTime, SET_TYPES, type DataType } from './datatype.js';
import { targetsOf, type Element } from './expr.js';
import { errorAt, tokenize, Tokens, type Token } from './lexer.js';
import { element, elementList, parseRule } from './parse-rule.js';
import { elementKey, NftTable, tableKey, type BaseChain, type NftChain, type NftFamily, type NftRuleset, type NftSet } from './ruleset.js';

export interface ApplyOptions {
  /** How errors name the input (nft: the file, or /dev/stdin for `nft -f -`). */
  file: string;
  /** The clock (ms) for element expiry. */
  now: number;
}

const FAMILIES = new Set(['ip', 'ip6', 'inet']);
const HOOKS = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting']);
const ENOENT = 'Could not process rule: No such file or directory';
const EBUSY = 'Could not process rule: Device or resource busy';
const EEXIST = 'Could not process rule: File exists';

class Tx {
  private readonly undo: (() => void)[] = [];
  /** Inside a `table { }` block nft declares every chain before it binds rules and elements to them. */
  private inBlock = false;
  private readonly deferred: (() => void)[] = [];
  /** Objects this transaction created: undoing their creation undoes what was put in them. */
  private readonly fresh = new WeakSet<object>();

  constructor(
    readonly rs: NftRuleset,
    readonly ts: Tokens,
    readonly now: number,
  ) {}

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
  }

  private fail(t: Token, msg: string): Error {
    return errorAt(this.ts.file, t, msg);
  }

  private family(): NftFamily {
    if (this.ts.isWord() && FAMILIES.has(this.ts.peek().text)) return this.ts.next().text as NftFamily;
    if (this.ts.isWord() && ['arp', 'bridge', 'netdev'].includes(this.ts.peek().text)) throw this.fail(this.ts.peek(), `the ${this.ts.peek().text} family is not modelled by knet`);
    return 'ip';
  }

  private mustTable(at: Token, family: NftFamily, name: string): NftTable {
    const t = this.rs.table(family, name);
    if (!t) throw this.fail(at, ENOENT);
    return t;
  }

  private setMap<K, V>(m: Map<K, V>, k: K, v: V): void {
    const had = m.has(k);
    const old = m.get(k);
    m.set(k, v);
    this.undo.push(() => (had ? m.set(k, old as V) : m.delete(k)));
  }

  /** `ordered`: undo restores the creation order too (tables, chains, sets are listed in it; elements are sorted). */
  private deleteKey<K, V>(m: Map<K, V>, k: K, ordered = true): void {
    if (!m.has(k)) return;
    const old = m.get(k) as V;
    const entries = ordered ? [...m.entries()] : undefined;
    m.delete(k);
    this.undo.push(() => {
      if (!entries) return void m.set(k, old);
      m.clear();
      for (const [a, b] of entries) m.set(a, b);
    });
  }

  private assign<T extends object, K extends keyof T>(o: T, k: K, v: T[K]): void {
    const old = o[k];
    o[k] = v;
    this.undo.push(() => (o[k] = old));
  }

  private check(f: () => void): void {
    if (this.inBlock) this.deferred.push(f);
    else f();
  }

  /** Runs every command; throws (after undoing) on the first error. */
  run(): void {
    const ts = this.ts;
    for (;;) {
      ts.skipNewlines();
      if (ts.peek().kind === 'eof') {
        for (const f of this.deferred) f();
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

  private command(at: Token, verb: string): void {
    const ts = this.ts;
    const objT = ts.peek();
    const obj = ts.word('object');
    if (obj === 'ruleset') {
      if (verb !== 'flush') throw this.fail(objT, `syntax error, unexpected ruleset`);
      for (const k of [...this.rs.tables.keys()]) this.deleteKey(this.rs.tables, k);
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

  private tableCommand(at: Token, verb: string, family: NftFamily, name: string): void {
    const existing = this.rs.table(family, name);
    if (verb === 'add' || verb === 'create') {
      if (existing && verb === 'create') throw this.fail(at, EEXIST);
      const t = existing ?? new NftTable(family, name, this.rs.handle());
      if (!existing) this.setMap(this.rs.tables, tableKey(family, name), t);
      if (this.ts.peek().kind === '{') this.tableBody(t);
      return;
    }
    if (!existing) {
      if (verb === 'destroy') return;
      throw this.fail(at, ENOENT);
    }
    if (verb === 'flush') {
      for (const c of existing.chains.values()) this.assign(c, 'rules', []);
      for (const s of existing.sets.values()) this.assign(s, 'elements', new Map());
      return;
    }
    this.deleteKey(this.rs.tables, tableKey(family, name));
  }

  private tableBlock(at: Token): void {
    const family = this.family();
    const name = this.ts.word('table name');
    this.tableCommand(at, 'add', family, name);
  }

  /** `{ comment "…" ; flags … ; chain … { } set … { } map … { } }` */
  private tableBody(t: NftTable): void {
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

  private commaWords(): string[] {
    const out = [this.ts.word('flag')];
    while (this.ts.accept(',')) out.push(this.ts.word('flag'));
    return out;
  }

  private chainCommand(at: Token, verb: string, t: NftTable, name: string, block = false): void {
    const existing = t.chains.get(name);
    if (verb === 'add' || verb === 'create') {
      if (existing && verb === 'create') throw this.fail(at, EEXIST);
      const c: NftChain = existing ?? { name, rules: [], handle: this.rs.handle() };
      if (!existing) {
        this.setMap(t.chains, name, c);
        this.fresh.add(c);
      }
      if (this.ts.peek().kind === '{') this.chainBody(t, c, !!existing, block);
      return;
    }
    if (!existing) {
      if (verb === 'destroy') return;
      throw this.fail(at, ENOENT);
    }
    if (verb === 'flush') return this.fresh.has(existing) ? void (existing.rules = []) : this.assign(existing, 'rules', []);
    // the kernel deletes a chain's rules with it; only a chain something jumps to is busy
    if (t.references(name) > 0) throw this.fail(at, EBUSY);
    this.deleteKey(t.chains, name);
  }

  private chainBody(t: NftTable, c: NftChain, existed: boolean, withRules: boolean): void {
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

  private baseSpec(at: Token): BaseChain {
    const ts = this.ts;
    const type = ts.word('chain type');
    if (!['filter', 'nat', 'route'].includes(type)) throw this.fail(at, `Could not process rule: No such file or directory`);
    if (ts.word('hook') !== 'hook') throw this.fail(ts.list[ts.pos - 1]!, 'syntax error, expecting hook');
    const hookT = ts.peek();
    const hook = ts.word('hook name');
    if (!HOOKS.has(hook)) throw this.fail(hookT, `unknown chain hook ${hook}`);
    if (ts.word('priority') !== 'priority') throw this.fail(ts.list[ts.pos - 1]!, 'syntax error, expecting priority');
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
      if (w !== 'accept' && w !== 'drop') throw this.fail(ts.list[ts.pos - 1]!, `syntax error, unexpected "${w}"`);
      policy = w;
      ts.accept(';');
    }
    return { type: type as ChainType, hook: hook as HookName, priority, policy };
  }

  private ruleCommand(at: Token, verb: string, t: NftTable, chainName: string): void {
    const c = t.chains.get(chainName);
    if (!c) throw this.fail(at, ENOENT);
    if (verb === 'delete' || verb === 'destroy') {
      if (this.ts.word('handle') !== 'handle') throw this.fail(at, 'syntax error, expecting handle');
      const h = Number(this.ts.word('handle number'));
      const i = c.rules.findIndex((r) => r.handle === h);
      if (i < 0) {
        if (verb === 'destroy') return;
        throw this.fail(at, ENOENT);
      }
      this.assign(c, 'rules', c.rules.filter((_, j) => j !== i));
      return;
    }
    if (verb !== 'add' && verb !== 'insert' && verb !== 'replace') throw this.fail(at, `syntax error, unexpected ${verb}`);
    this.addRule(t, c, at, verb);
  }

  private addRule(t: NftTable, c: NftChain, at: Token, verb: 'add' | 'insert' | 'replace'): void {
    const ts = this.ts;
    let pos: { by: 'index' | 'handle'; n: number } | undefined;
    if ((ts.isWord('index') || ts.isWord('handle') || ts.isWord('position')) && /^\d+$/.test(ts.peek(1).text)) {
      const by = ts.next().text === 'index' ? 'index' : 'handle';
      pos = { by, n: Number(ts.next().text) };
    }
    const parsed = parseRule(ts, this.now);
    this.check(() => {
      for (const st of parsed.stmts) {
        for (const target of targetsOf(st)) if (!t.chains.has(target)) throw this.fail(parsed.at, ENOENT);
        const setName = st.k === 'match' && st.rhs.k === 'set' ? st.rhs.name : st.k === 'vmap' && 'name' in st.map ? st.map.name : st.k === 'update' ? st.set : undefined;
        if (setName !== undefined && !t.sets.has(setName)) throw this.fail(parsed.at, ENOENT);
      }
    });
    // nft sizes a set the packet path writes into (nft's default 65535), once and for good
    for (const st of parsed.stmts) {
      const fed = st.k === 'update' ? t.sets.get(st.set) : undefined;
      if (fed && fed.size === undefined && fed.kernelSize === undefined) this.assign(fed, 'kernelSize', 65535);
    }
    const rule = { stmts: parsed.stmts, text: parsed.text, ...(parsed.comment !== undefined ? { comment: parsed.comment } : {}), handle: this.rs.handle() };
    if (verb === 'add' && !pos && this.fresh.has(c)) {
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
      rules.splice(i - 1, 1, rule);
    } else rules.splice(i, 0, rule);
    this.assign(c, 'rules', rules);
  }

  private setCommand(at: Token, verb: string, t: NftTable, name: string, isMap: boolean): void {
    const existing = t.sets.get(name);
    if (verb === 'add' || verb === 'create') {
      if (existing && verb === 'create') throw this.fail(at, EEXIST);
      const s = this.setBody(at, name, isMap);
      if (existing) {
        if (existing.key.join('.') !== s.key.join('.') || existing.data !== s.data) throw this.fail(at, EEXIST);
        for (const e of s.elements.values()) this.addElement(at, t, existing, e, 'add');
        return;
      }
      const elements = s.elements;
      s.elements = new Map();
      this.setMap(t.sets, name, s);
      this.fresh.add(s);
      for (const e of elements.values()) this.addElement(at, t, s, e, 'add');
      return;
    }
    if (!existing) {
      if (verb === 'destroy') return;
      throw this.fail(at, ENOENT);
    }
    if (verb === 'flush') return this.assign(existing, 'elements', new Map());
    if (t.setUsers(name) > 0) throw this.fail(at, EBUSY);
    this.deleteKey(t.sets, name);
  }

  /** `{ type K [. K] [: V] ; flags … ; timeout … ; size … ; comment "…" ; elements = { … } }` */
  private setBody(at: Token, name: string, isMap: boolean): NftSet {
    const ts = this.ts;
    const s: NftSet = { name, isMap, key: [], flags: [], elements: new Map(), handle: this.rs.handle() };
    ts.expect('{', "'{'");
    let pendingElements: Element[] = [];
    for (;;) {
      ts.skipNewlines();
      if (ts.accept('}')) break;
      const pt = ts.peek();
      const w = ts.word('set property');
      if (w === 'type') {
        s.key = [this.dataType()];
        while (ts.isWord('.')) {
          ts.next();
          s.key.push(this.dataType());
        }
        if (isMap) {
          if (ts.word(':') !== ':') throw this.fail(ts.list[ts.pos - 1]!, "syntax error, expecting ':'");
          s.data = this.dataType();
        }
      } else if (w === 'typeof') throw this.fail(pt, 'typeof sets are not modelled by knet; use type');
      else if (w === 'flags') s.flags = this.commaWords();
      else if (w === 'timeout' || w === 'gc-interval') {
        const t = ts.next();
        const ms = parseTime(t.text);
        if (ms === undefined) throw this.fail(t, `Could not parse time: ${t.text}`);
        if (w === 'timeout') s.timeout = ms;
      } else if (w === 'size') s.size = Number(ts.word('number'));
      else if (w === 'comment') s.comment = ts.expect('string', 'quoted string').text;
      else if (w === 'policy') ts.word('policy');
      else if (w === 'auto-merge') continue;
      else if (w === 'elements') {
        if (ts.word('=') !== '=') throw this.fail(ts.list[ts.pos - 1]!, "syntax error, expecting '='");
        if (s.key.length === 0) throw this.fail(pt, 'set has no type');
        pendingElements = elementList(ts, s.key, s.data, this.now);
      } else throw this.fail(pt, `syntax error, unexpected "${w}"`);
    }
    if (s.key.length === 0) throw this.fail(at, `set definition does not specify key`);
    for (const e of pendingElements) s.elements.set(elementKey(e), e);
    return s;
  }

  private dataType(): DataType {
    const t = this.ts.next();
    if (!SET_TYPES.has(t.text)) throw this.fail(t, `unknown datatype ${t.text}`);
    return t.text as DataType;
  }

  private elementCommand(at: Token, verb: string, t: NftTable, name: string): void {
    const s = t.sets.get(name);
    if (!s) {
      if (verb === 'destroy') return;
      throw this.fail(at, ENOENT);
    }
    const deleting = verb === 'delete' || verb === 'destroy';
    const list = deleting ? this.keyList(s) : elementList(this.ts, s.key, s.data, this.now);
    for (const e of list) {
      if (deleting) {
        const k = elementKey(e);
        if (!s.elements.has(k)) {
          if (verb === 'destroy') continue;
          throw this.fail(at, ENOENT);
        }
        this.deleteKey(s.elements, k, false);
      } else this.addElement(at, t, s, e, verb === 'create' ? 'create' : 'add');
    }
  }

  /** Keys of `delete element … { k, k }` (map values may be omitted). */
  private keyList(s: NftSet): Element[] {
    const ts = this.ts;
    ts.expect('{', "'{'");
    const out: Element[] = [];
    for (;;) {
      if (ts.accept('}')) return out;
      const e = element(ts, s.key, ts.peek(s.key.length * 2 - 1).text === ':' ? s.data : undefined, this.now);
      out.push(e);
      if (ts.accept(',')) continue;
      ts.expect('}', "'}'");
      return out;
    }
  }

  private addElement(at: Token, t: NftTable, s: NftSet, e: Element, verb: 'add' | 'create'): void {
    const k = elementKey(e);
    const old = s.elements.get(k);
    if (old) {
      const same = (old.verdict ? JSON.stringify(old.verdict) : old.data?.text) === (e.verdict ? JSON.stringify(e.verdict) : e.data?.text);
      if (verb === 'create' || !same) throw this.fail(at, EEXIST);
      return;
    }
    if (e.verdict && 'chain' in e.verdict) {
      const chain = e.verdict.chain;
      this.check(() => {
        if (!t.chains.has(chain)) throw this.fail(at, ENOENT);
      });
    }
    if (s.timeout !== undefined && e.timeout === undefined && e.expiresAt === undefined && s.flags.includes('timeout')) e.expiresAt = this.now + s.timeout;
    if (this.fresh.has(s)) s.elements.set(k, e);
    else this.setMap(s.elements, k, e);
  }
}

/** Applies an `nft -f` text to the ruleset atomically. Returns the number of commands run. */
export function applyNft(rs: NftRuleset, text: string, opts: ApplyOptions): void {
  const tx = new Tx(rs, new Tokens(tokenize(text, opts.file), opts.file, text), opts.now);
  try {
    tx.run();
  } catch (e) {
    tx.rollback();
    throw e;
  }
  rs.generation++;
}

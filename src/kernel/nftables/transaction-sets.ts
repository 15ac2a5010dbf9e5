// The set, map and element commands of an `nft -f` transaction (add/create/delete/flush set|map,
// add/create/delete element), with nft's own refusals.
import { parseTime, SET_TYPES, type DataType } from './datatype.js';
import type { Element } from './expr.js';
import type { Token } from './lexer.js';
import { element, elementList } from './parse-rule.js';
import { elementKey, type NftSet, type NftTable } from './ruleset.js';
import { EBUSY, EEXIST, ENOENT, TxCore } from './transaction-core.js';

export abstract class TxSets extends TxCore {
  protected setCommand(at: Token, verb: string, t: NftTable, name: string, isMap: boolean): void {
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
      this.setMap(t, t.sets, name, s);
      for (const e of elements.values()) this.addElement(at, t, s, e, 'add');
      return;
    }
    if (!existing) {
      if (verb === 'destroy') return;
      throw this.fail(at, ENOENT);
    }
    if (verb === 'flush') {
      this.elementUse(t, existing, existing.elements.values(), -1);
      return this.assign(existing, 'elements', new Map());
    }
    if (t.setUsers(name) > 0) throw this.fail(at, EBUSY);
    this.elementUse(t, existing, existing.elements.values(), -1);
    this.deleteObject(t.sets, name);
  }

  /** `{ type K [. K] [: V] ; flags … ; timeout … ; size … ; comment "…" ; elements = { … } }` */
  protected setBody(at: Token, name: string, isMap: boolean): NftSet {
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
          if (ts.word(':') !== ':') throw this.fail(ts.at(ts.pos - 1), "syntax error, expecting ':'");
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
        if (ts.word('=') !== '=') throw this.fail(ts.at(ts.pos - 1), "syntax error, expecting '='");
        if (s.key.length === 0) throw this.fail(pt, 'set has no type');
        pendingElements = elementList(ts, s.key, s.data, this.now);
      } else throw this.fail(pt, `syntax error, unexpected "${w}"`);
    }
    if (s.key.length === 0) throw this.fail(at, `set definition does not specify key`);
    for (const e of pendingElements) s.elements.set(elementKey(e), e);
    return s;
  }

  protected dataType(): DataType {
    const t = this.ts.next();
    if (!SET_TYPES.has(t.text)) throw this.fail(t, `unknown datatype ${t.text}`);
    return t.text as DataType;
  }

  protected elementCommand(at: Token, verb: string, t: NftTable, name: string): void {
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
        this.elementUse(t, s, [s.elements.get(k)!], -1);
        this.deleteKey(s, s.elements, k);
      } else this.addElement(at, t, s, e, verb === 'create' ? 'create' : 'add');
    }
  }

  /** Keys of `delete element … { k, k }` (map values may be omitted). */
  protected keyList(s: NftSet): Element[] {
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

  protected addElement(at: Token, t: NftTable, s: NftSet, e: Element, verb: 'add' | 'create'): void {
    this.addKeyed(at, t, s, e, elementKey(e), verb);
  }

  /** addElement of an element whose key text `k` is known. */
  protected addKeyed(at: Token, t: NftTable, s: NftSet, e: Element, k: string, verb: 'add' | 'create'): void {
    const old = s.elements.get(k);
    if (old) {
      const same = (old.verdict ? JSON.stringify(old.verdict) : old.data?.text) === (e.verdict ? JSON.stringify(e.verdict) : e.data?.text);
      if (verb === 'create' || !same) throw this.fail(at, EEXIST);
      return;
    }
    const v = e.verdict;
    if (v && 'chain' in v) {
      const chain = v.chain;
      if (this.inBlock) {
        this.check(() => {
          if (!t.hasChain(chain)) throw this.fail(at, ENOENT);
        });
      } else if (!t.hasChain(chain)) throw this.fail(at, ENOENT);
    }
    if (s.timeout !== undefined && e.timeout === undefined && e.expiresAt === undefined && s.flags.includes('timeout')) e.expiresAt = this.now + s.timeout;
    if (v && 'chain' in v && s.data === 'verdict') this.bump(t.chainRefs, v.chain, 1, !this.fresh(t));
    this.setMap(s, s.elements, k, e);
  }
}

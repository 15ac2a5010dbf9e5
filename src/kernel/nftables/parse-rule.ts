// Reads one rule's statements (the text after `add rule FAMILY TABLE CHAIN`, or a rule line of a
// `table { chain { … } }` block), and set elements, with nft's error messages.
import { parseTime, parseValue, type DataType, type Value } from './datatype.js';
import { selectorType, type Element, type Rhs, type Selector, type Stmt, type Verdict } from './expr.js';
import type { Token, Tokens } from './lexer.js';

export interface ParsedRule {
  stmts: Stmt[];
  /** The rule as written, without its comment: what knftables dumps. */
  text: string;
  comment?: string;
  at: Token;
  /** The chains and sets the statements name (known for rules read before). */
  refs?: RuleRefs;
}

export interface RuleRefs {
  chains: string[];
  sets: string[];
}

const PAYLOAD_FIELDS: Record<string, readonly string[]> = {
  ip: ['saddr', 'daddr', 'protocol'],
  ip6: ['saddr', 'daddr', 'nexthdr'],
  th: ['sport', 'dport'],
  tcp: ['sport', 'dport'],
  udp: ['sport', 'dport'],
  sctp: ['sport', 'dport'],
};
const META_KEYS = ['mark', 'l4proto', 'iifname', 'oifname', 'nfproto', 'iif', 'oif'] as const;
const BARE_META = new Set(['mark', 'iifname', 'oifname', 'iif', 'oif']);
const VERDICTS = new Set(['accept', 'drop', 'continue', 'return']);

/**
 * A literal the parser turned into part of a statement — an address, a jump/goto target — with
 * how to build that part from another literal of the same form (parse-memo.ts instantiates rules
 * of one shape from the first one parsed). `at` is the literal's offset in the source.
 */
export interface Slot {
  at: number;
  text: string;
  kind: 'addr' | 'chain';
  obj: object;
  make: (text: string) => object | undefined;
}

let slots: Slot[] | undefined;

/** Runs a parse, noting every literal it built a value or a target from. */
export function collectSlots<T>(parse: () => T): { result: T; slots: Slot[] } {
  const mine: Slot[] = [];
  const outer = slots;
  slots = mine;
  try {
    return { result: parse(), slots: mine };
  } finally {
    slots = outer;
  }
}

function selectorStart(ts: Tokens): boolean {
  const t = ts.peek();
  if (t.kind !== 'word') return false;
  if (PAYLOAD_FIELDS[t.text]) return ts.isWord(undefined, 1) && PAYLOAD_FIELDS[t.text]!.includes(ts.peek(1).text);
  if (t.text === 'meta' || t.text === 'ct') return ts.peek(2).text !== 'set';
  if (BARE_META.has(t.text)) return ts.peek(1).text !== 'set';
  return t.text === 'fib' || t.text === 'numgen';
}

function primary(ts: Tokens): Selector {
  const t = ts.next();
  if (PAYLOAD_FIELDS[t.text]) {
    return { k: 'payload', proto: t.text as 'ip', field: ts.next().text as 'saddr' };
  }
  if (t.text === 'meta' || BARE_META.has(t.text)) {
    const key = t.text === 'meta' ? ts.word('meta key') : t.text;
    if (!(META_KEYS as readonly string[]).includes(key)) throw ts.fail(ts.at(ts.pos - 1), `syntax error, unsupported meta key "${key}"`);
    return { k: 'meta', key: key as 'mark' };
  }
  if (t.text === 'ct') {
    const key = ts.word('ct key');
    if (key === 'original' || key === 'reply') {
      const proto = ts.word('ip or ip6');
      const field = ts.word('saddr or daddr');
      if ((proto !== 'ip' && proto !== 'ip6') || (field !== 'saddr' && field !== 'daddr')) throw ts.fail(t, `syntax error, unsupported ct ${key} expression`);
      return { k: 'ctTuple', dir: key, proto, field };
    }
    if (!['state', 'status', 'mark', 'direction'].includes(key)) throw ts.fail(ts.at(ts.pos - 1), `syntax error, unsupported ct key "${key}"`);
    return { k: 'ct', key: key as 'state' };
  }
  if (t.text === 'fib') {
    const flags = [ts.word('saddr or daddr')];
    while (ts.isWord('.')) {
      ts.next();
      flags.push(ts.word('fib flag'));
    }
    const result = ts.word('type, oif or oifname');
    if (!['type', 'oif', 'oifname'].includes(result)) throw ts.fail(ts.at(ts.pos - 1), `syntax error, unexpected "${result}"`);
    return { k: 'fib', flags, result: result as 'type' };
  }
  if (t.text === 'numgen') {
    const mode = ts.word('random or inc');
    if (mode !== 'random' && mode !== 'inc') throw ts.fail(ts.at(ts.pos - 1), `syntax error, unexpected "${mode}"`);
    if (ts.word('mod') !== 'mod') throw ts.fail(ts.at(ts.pos - 1), 'syntax error, expecting mod');
    const mod = Number(ts.word('number'));
    let offset = 0;
    if (ts.isWord('offset')) {
      ts.next();
      offset = Number(ts.word('number'));
    }
    return { k: 'numgen', mode, mod, offset };
  }
  throw ts.fail(t, `syntax error, unexpected "${t.text}"`);
}

function selector(ts: Tokens): Selector {
  const parts = [primary(ts)];
  while (ts.isWord('.') && selectorStart(offsetBy(ts, 1))) {
    ts.next();
    parts.push(primary(ts));
  }
  let sel: Selector = parts.length > 1 ? { k: 'concat', parts } : parts[0]!;
  const ops: Record<string, '&' | '|' | '^'> = { '&': '&', and: '&', '|': '|', or: '|', '^': '^', xor: '^' };
  const op = ts.peek().kind === 'word' ? ops[ts.peek().text] : undefined;
  if (op) {
    ts.next();
    const vt = ts.next();
    const value = valueOf(ts, vt, selectorType(sel)[0]!);
    sel = { k: 'binop', op, left: sel, value };
  }
  return sel;
}

/** A view of the cursor k tokens ahead (for lookahead helpers). */
function offsetBy(ts: Tokens, k: number): Tokens {
  const o = Object.create(ts) as Tokens;
  o.pos = ts.pos + k;
  return o;
}

function valueOf(ts: Tokens, t: Token, type: DataType): Value {
  const v = parseValue(type, t.text);
  if (!v) throw ts.fail(t, `Could not parse ${type.replace('_', ' ')}: ${t.text}`);
  slots?.push({ at: t.at, text: t.text, kind: 'addr', obj: v, make: (x) => parseValue(type, x) });
  return v;
}

export function verdict(ts: Tokens): Verdict | undefined {
  const t = ts.peek();
  if (t.kind !== 'word') return undefined;
  if (VERDICTS.has(t.text)) {
    ts.next();
    return { v: t.text as 'accept' };
  }
  if (t.text === 'jump' || t.text === 'goto') {
    ts.next();
    const name = ts.expect('word', 'chain name');
    const v: Verdict = { v: t.text, chain: name.text };
    slots?.push({ at: name.at, text: name.text, kind: 'chain', obj: v, make: (x) => ({ v: t.text, chain: x }) });
    return v;
  }
  return undefined;
}

/** One element: `key[ . key…] [timeout T] [expires T] [comment "c"] [: verdict|value]`. */
export function element(ts: Tokens, key: readonly DataType[], data: DataType | undefined, now: number): Element {
  const values: Value[] = [];
  for (let i = 0; i < key.length; i++) {
    if (i > 0) {
      const dot = ts.next();
      if (dot.text !== '.') throw ts.fail(dot, `syntax error, datatype mismatch: expecting ${key.join(' . ')}`);
    }
    const t = ts.next();
    values.push(valueOf(ts, t, key[i]!));
  }
  const e: Element = { key: values };
  for (;;) {
    if (ts.isWord('timeout')) {
      ts.next();
      const t = ts.next();
      const ms = parseTime(t.text);
      if (ms === undefined) throw ts.fail(t, `Could not parse time: ${t.text}`);
      e.timeout = ms;
    } else if (ts.isWord('expires')) {
      ts.next();
      const t = ts.next();
      const ms = parseTime(t.text);
      if (ms === undefined) throw ts.fail(t, `Could not parse time: ${t.text}`);
      e.expiresAt = now + ms;
    } else if (ts.isWord('comment')) {
      ts.next();
      e.comment = ts.expect('string', 'quoted string').text;
    } else break;
  }
  if (data !== undefined) {
    const colon = ts.next();
    if (colon.text !== ':') throw ts.fail(colon, 'syntax error, expecting \':\' (map element needs a value)');
    if (data === 'verdict') {
      const at = ts.peek();
      const v = verdict(ts);
      if (!v) throw ts.fail(at, `syntax error, unexpected "${at.text}", expecting verdict`);
      e.verdict = v;
    } else e.data = valueOf(ts, ts.next(), data);
  }
  return e;
}

/** `{ e, e, … }` (the `{` already seen is consumed here). */
export function elementList(ts: Tokens, key: readonly DataType[], data: DataType | undefined, now: number): Element[] {
  ts.expect('{', "'{'");
  const out: Element[] = [];
  for (;;) {
    while (ts.peek().kind === 'nl') ts.next();
    if (ts.accept('}')) return out;
    out.push(element(ts, key, data, now));
    while (ts.peek().kind === 'nl') ts.next();
    if (ts.accept(',')) continue;
    ts.expect('}', "',' or '}'");
    return out;
  }
}

function rhs(ts: Tokens, sel: Selector, now: number): Rhs {
  const types = selectorType(sel);
  const t = ts.peek();
  if (t.kind === '{') return { k: 'anon', elements: elementList(ts, types, undefined, now) };
  if (t.kind === 'word' && t.text.startsWith('@')) {
    ts.next();
    return { k: 'set', name: t.text.slice(1) };
  }
  if (t.kind === 'string' && types[0] === 'ifname') {
    ts.next();
    return { k: 'value', v: { text: `"${t.text}"`, num: 0n } };
  }
  if (t.kind !== 'word') throw ts.unexpected('value');
  ts.next();
  let text = t.text;
  // flag lists: ct state established,related
  while (ts.peek().kind === ',' && (types[0] === 'ct_state' || types[0] === 'ct_status')) {
    ts.next();
    text += ',' + ts.word('flag');
  }
  if (types.length > 1) throw ts.fail(t, 'syntax error, a concatenation is compared against a set or map');
  return { k: 'value', v: valueOf(ts, { ...t, text }, types[0]!) };
}

/** `ADDR`, `ADDR:PORT` or `[ADDR6]:PORT` of dnat/snat: the address as nft prints it and the port, or nft's error. */
function natTarget(text: string): { addr: string; port?: number } | string {
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text) ?? /^([0-9.]+)(?::(\d+))?$/.exec(text) ?? /^([0-9a-fA-F:]+)$/.exec(text);
  if (!m) return `Could not parse address: ${text}`;
  const type: DataType = m[1]!.includes(':') ? 'ipv6_addr' : 'ipv4_addr';
  const v = parseValue(type, m[1]!);
  if (!v) return `Could not parse ${type.replace('_', ' ')}: ${m[1]}`;
  return m[2] ? { addr: v.text, port: Number(m[2]) } : { addr: v.text };
}

/** The NAT statement with another target of the same form (with or without a port). */
function natWith(st: Extract<Stmt, { k: 'nat' }>, text: string): Stmt | undefined {
  const to = natTarget(text);
  if (typeof to === 'string' || (to.port === undefined) !== (st.port === undefined)) return undefined;
  return { ...st, addr: to.addr, ...(to.port !== undefined ? { port: to.port } : {}) };
}

function natStmt(ts: Tokens, kind: 'dnat' | 'snat' | 'masquerade' | 'redirect'): Stmt {
  const st: Extract<Stmt, { k: 'nat' }> = { k: 'nat', kind, flags: [] };
  if (ts.isWord('ip') || ts.isWord('ip6')) st.family = ts.next().text as 'ip';
  if (kind === 'dnat' || kind === 'snat') {
    if (ts.word('to') !== 'to') throw ts.fail(ts.at(ts.pos - 1), 'syntax error, expecting to');
    const t = ts.next();
    const to = natTarget(t.text);
    if (typeof to === 'string') throw ts.fail(t, to);
    st.addr = to.addr;
    if (to.port !== undefined) st.port = to.port;
    slots?.push({ at: t.at, text: t.text, kind: 'addr', obj: st, make: (x) => natWith(st, x) });
  } else if (kind === 'redirect' && ts.isWord('to')) {
    ts.next();
    st.port = Number(ts.word('port').replace(/^:/, ''));
  }
  if (!ts.atEnd() && ts.isWord() && /^(random|fully-random|persistent)(,(random|fully-random|persistent))*$/.test(ts.peek().text)) {
    st.flags.push(...ts.next().text.split(','));
    while (ts.accept(',')) st.flags.push(ts.word('nat flag'));
  }
  return st;
}

/** The statements of a rule up to the end of the line (or `;` / `}`), read anew (parse-memo.ts's parseRule remembers them). */
export function parseStatements(ts: Tokens, now: number): ParsedRule {
  const start = ts.pos;
  const at = ts.peek();
  const stmts: Stmt[] = [];
  let comment: string | undefined;
  let textEnd = start;
  while (!ts.atEnd()) {
    const t = ts.peek();
    if (t.kind === 'word' && t.text === 'comment') {
      ts.next();
      comment = ts.expect('string', 'quoted string').text;
      continue;
    }
    stmts.push(statement(ts, now));
    textEnd = ts.pos;
  }
  if (stmts.length === 0) throw ts.unexpected('rule');
  const save = ts.pos;
  ts.pos = textEnd;
  const text = ts.textSince(start);
  ts.pos = save;
  return { stmts, text, ...(comment !== undefined ? { comment } : {}), at };
}

function statement(ts: Tokens, now: number): Stmt {
  const t = ts.peek();
  if (t.kind !== 'word') throw ts.unexpected();
  const v = verdict(ts);
  if (v) return { k: 'verdict', verdict: v };
  switch (t.text) {
    case 'counter': {
      ts.next();
      let packets = 0;
      let bytes = 0;
      if (ts.isWord('packets')) {
        ts.next();
        packets = Number(ts.word('number'));
        if (ts.word('bytes') !== 'bytes') throw ts.fail(ts.at(ts.pos - 1), 'syntax error, expecting bytes');
        bytes = Number(ts.word('number'));
      }
      return { k: 'counter', packets, bytes };
    }
    case 'reject': {
      ts.next();
      if (!ts.isWord('with')) return { k: 'reject' };
      const from = ts.pos;
      while (!ts.atEnd() && !ts.isWord('comment')) ts.next();
      const w = ts.textSince(from);
      return w === 'with icmp type port-unreachable' || w === 'with icmp port-unreachable' ? { k: 'reject' } : { k: 'reject', with: w.slice(5) };
    }
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'redirect':
      ts.next();
      return natStmt(ts, t.text);
    case 'log': {
      ts.next();
      if (!ts.isWord('prefix')) return { k: 'log' };
      ts.next();
      return { k: 'log', prefix: ts.expect('string', 'quoted string').text };
    }
    case 'notrack':
      ts.next();
      return { k: 'notrack' };
    case 'update':
    case 'add': {
      ts.next();
      const name = ts.next();
      if (!name.text.startsWith('@')) throw ts.fail(name, 'syntax error, expecting @set');
      ts.expect('{', "'{'");
      const key = selector(ts);
      ts.expect('}', "'}'");
      return { k: 'update', op: t.text, set: name.text.slice(1), key };
    }
  }
  // meta mark set …, mark set …, ct mark set …
  const setAt = t.text === 'meta' || t.text === 'ct' ? 2 : 1;
  if (ts.peek(setAt).text === 'set' && (ts.peek(setAt - 1).text === 'mark')) {
    const ct = t.text === 'ct';
    ts.pos += setAt + 1;
    const vt = ts.peek();
    const value: Selector | Value = selectorStart(ts) ? selector(ts) : (ts.next(), valueOf(ts, vt, 'mark'));
    return { k: 'setMeta', key: 'mark', ct, value };
  }
  if (!selectorStart(ts)) throw ts.fail(t, `syntax error, unexpected "${t.text}"`);
  const sel = selector(ts);
  if (ts.isWord('vmap')) {
    ts.next();
    const m = ts.peek();
    if (m.kind === 'word' && m.text.startsWith('@')) {
      ts.next();
      return { k: 'vmap', sel, map: { name: m.text.slice(1) } };
    }
    return { k: 'vmap', sel, map: { elements: elementList(ts, selectorType(sel), 'verdict', now) } };
  }
  let neg = false;
  let explicitEq = false;
  if (ts.isWord('!=') || ts.isWord('ne')) {
    ts.next();
    neg = true;
  } else if (ts.isWord('==') || ts.isWord('eq')) {
    ts.next();
    explicitEq = true;
  }
  return { k: 'match', sel, neg, explicitEq, rhs: rhs(ts, sel, now) };
}

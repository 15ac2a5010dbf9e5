// `nft list ruleset` as nft prints it: tabs, sets before chains in creation order, symbolic
// priorities where the hook has one (`dstnat - 10`), elements sorted as nft sorts them (by value;
// concatenations by their register bytes read as a host-order number) and wrapped per line as
// nft wraps them, single-element anonymous sets collapsed, marks in 0x%08x.
import type { HookName } from '../hooks.js';
import { elementsPerLine, formatTime, registerBytes, type DataType } from './datatype.js';
import { elementText, selectorText, selectorType, verdictText, type Element, type Rhs, type Stmt } from './expr.js';
import type { BaseChain, NftChain, NftRule, NftRuleset, NftSet, NftTable } from './ruleset.js';
import { LazyRule, unreadListText } from './lazy-rule.js';
import type { ChainGroup } from './chain-group.js';

const STD_PRIORITIES: readonly [string, number, HookName[] | undefined][] = [
  ['raw', -300, undefined],
  ['mangle', -150, undefined],
  ['dstnat', -100, ['prerouting']],
  ['filter', 0, undefined],
  ['security', 50, undefined],
  ['srcnat', 100, ['postrouting']],
];

/** nft's priority text: the standard name for the hook, ±10 at most, else the number. */
export function priorityText(hook: HookName, prio: number): string {
  for (const [name, v, hooks] of STD_PRIORITIES) {
    if (hooks && !hooks.includes(hook)) continue;
    const d = prio - v;
    if (d === 0) return name;
    if (Math.abs(d) <= 10) return `${name} ${d > 0 ? '+' : '-'} ${Math.abs(d)}`;
  }
  return String(prio);
}

function compareBytes(a: number[], b: number[]): number {
  // a host-order (little-endian) number: the last byte is the most significant
  for (let i = Math.max(a.length, b.length) - 1; i >= 0; i--) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The order nft lists elements of a set with this key type in. */
export function sortElements(key: readonly DataType[], list: Iterable<Element>): Element[] {
  const arr = [...list];
  if (key.length === 1) {
    return arr.sort((x, y) => {
      const a = x.key[0]!;
      const b = y.key[0]!;
      return a.num < b.num ? -1 : a.num > b.num ? 1 : (a.last ?? a.num) < (b.last ?? b.num) ? -1 : (a.last ?? a.num) > (b.last ?? b.num) ? 1 : 0;
    });
  }
  const bytes = new Map(arr.map((e) => [e, e.key.flatMap((v, i) => registerBytes(key[i]!, v))]));
  return arr.sort((x, y) => compareBytes(bytes.get(x)!, bytes.get(y)!));
}

function anonText(key: readonly DataType[], elements: Element[]): string {
  return `{ ${sortElements(key, elements).map((e) => elementText(e)).join(', ')} }`;
}

function rhsText(sel: DataType[], r: Rhs): string {
  if (r.k === 'value') return r.v.text;
  if (r.k === 'set') return `@${r.name}`;
  return r.elements.length === 1 ? elementText(r.elements[0]!) : anonText(sel, r.elements);
}

const NAT_FLAG_ORDER = ['random', 'fully-random', 'persistent'];

export function stmtText(st: Stmt): string {
  switch (st.k) {
    case 'match': {
      const op = st.neg ? '!= ' : st.sel.k === 'binop' || st.explicitEq ? '== ' : '';
      return `${selectorText(st.sel)} ${op}${rhsText(selectorType(st.sel), st.rhs)}`;
    }
    case 'vmap':
      return `${selectorText(st.sel)} vmap ${'name' in st.map ? `@${st.map.name}` : anonText(selectorType(st.sel), st.map.elements)}`;
    case 'verdict':
      return verdictText(st.verdict);
    case 'reject':
      return st.with ? `reject with ${st.with}` : 'reject';
    case 'counter':
      return `counter packets ${st.packets} bytes ${st.bytes}`;
    case 'nat': {
      let s = st.kind + (st.family ? ` ${st.family}` : '');
      if (st.addr !== undefined) {
        const v6 = st.addr.includes(':');
        s += ` to ${v6 && st.port !== undefined ? `[${st.addr}]` : st.addr}${st.port !== undefined ? `:${st.port}` : ''}`;
      } else if (st.port !== undefined) s += ` to :${st.port}`;
      if (st.flags.length) s += ` ${NAT_FLAG_ORDER.filter((f) => st.flags.includes(f)).join(',')}`;
      return s;
    }
    case 'setMeta':
      return `${st.ct ? 'ct' : 'meta'} mark set ${'k' in st.value ? selectorText(st.value) : st.value.text}`;
    case 'update':
      return `${st.op} @${st.set} { ${selectorText(st.key)} }`;
    case 'log':
      return st.prefix !== undefined ? `log prefix "${st.prefix}"` : 'log';
    case 'notrack':
      return 'notrack';
  }
}

/** A rule as `nft list` prints it. */
export function ruleListText(r: Pick<NftRule, 'stmts' | 'comment'>): string {
  return r.stmts.map(stmtText).join(' ') + (r.comment !== undefined ? ` comment "${r.comment}"` : '');
}

export function baseChainText(b: BaseChain): string {
  return `type ${b.type} hook ${b.hook} priority ${priorityText(b.hook, b.priority)}; policy ${b.policy};`;
}

function setLines(s: NftSet, now: number): string[] {
  const out = [`\t${s.isMap ? 'map' : 'set'} ${s.name} {`, `\t\ttype ${s.key.join(' . ')}${s.isMap ? ` : ${s.data}` : ''}`];
  const size = s.size ?? s.kernelSize;
  if (size !== undefined) out.push(`\t\tsize ${size}`);
  if (s.flags.length) out.push(`\t\tflags ${s.flags.join(',')}`);
  if (s.timeout !== undefined) out.push(`\t\ttimeout ${formatTime(s.timeout)}`);
  if (s.comment !== undefined) out.push(`\t\tcomment "${s.comment}"`);
  const live = [...s.elements.values()].filter((e) => e.expiresAt === undefined || e.expiresAt > now);
  if (live.length) {
    const per = elementsPerLine(s.key);
    const texts = sortElements(s.key, live).map((e) => elementText(e, now));
    let line = '\t\telements = { ';
    texts.forEach((t, i) => {
      if (i > 0) line += i % per === 0 ? ',\n\t\t\t     ' : ', ';
      line += t;
    });
    out.push(line + ' }');
  }
  out.push('\t}');
  return out;
}

function chainLines(c: NftChain): string[] {
  const out = [`\tchain ${c.name} {`];
  if (c.comment !== undefined) out.push(`\t\tcomment "${c.comment}"`);
  if (c.base) out.push(`\t\t${baseChainText(c.base)}`);
  // a rule stored unread prints without being read where its shape allows
  for (const r of c.rules) out.push(`\t\t${r instanceof LazyRule ? r.listText(ruleListText) : ruleListText(r)}`);
  out.push('\t}');
  return out;
}

/** An unread group's chains (plain chains: no comment, no base), printed from their rule texts. */
function groupLines(g: ChainGroup, blocks: string[][]): void {
  for (let i = 0; i < g.names.length; i++) {
    const list = g.lists[i]!;
    const words = g.words[i]!;
    const out = [`\tchain ${g.names[i]!} {`];
    for (let k = 0; k < list.length; k++) out.push(`\t\t${unreadListText(list[k]!, words[k]!, ruleListText)}`);
    out.push('\t}');
    blocks.push(out);
  }
}

export function formatTable(t: NftTable, now: number): string {
  const head = [`table ${t.family} ${t.name} {`];
  if (t.comment !== undefined) head.push(`\tcomment "${t.comment}"`);
  if (t.flags.length) head.push(`\tflags ${t.flags.join(',')}`);
  const blocks = [...t.sets.values()].map((s) => setLines(s, now));
  // chains held unread stay so: printed from their texts
  t.eachChain(
    (c) => blocks.push(chainLines(c)),
    (g) => groupLines(g, blocks),
  );
  return [...head, blocks.map((b) => b.join('\n')).join('\n\n'), '}'].filter((l) => l !== '').join('\n') + '\n';
}

/** `nft list ruleset`. */
export function formatRuleset(rs: NftRuleset, now: number): string {
  return [...rs.tables.values()].map((t) => formatTable(t, now)).join('');
}

// The knftables dump of a ruleset: the `add table|chain|set|map|rule|element` transaction lines
// that recreate it, in the order knftables' fake Dump() writes them (tables by family and name;
// per table the chains, sets and maps by name, then each chain's rules, then the elements) —
// the form kube-proxy's own tests compare.
import { elementText, type Element } from './expr.js';
import type { NftChain, NftRuleset, NftSet, NftTable } from './ruleset.js';

const byName = <T extends { name: string }>(list: Iterable<T>): T[] => [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

function setLine(head: string, s: NftSet): string {
  let body = ` type ${s.key.join(' . ')}${s.isMap ? ` : ${s.data}` : ''} ;`;
  if (s.flags.length) body += ` flags ${s.flags.join(',')} ;`;
  if (s.timeout !== undefined) body += ` timeout ${Math.floor(s.timeout / 1000)}s ;`;
  if (s.size !== undefined) body += ` size ${s.size} ;`;
  if (s.comment !== undefined) body += ` comment "${s.comment}" ;`;
  return `add ${s.isMap ? 'map' : 'set'} ${head} ${s.name} {${body} }`;
}

/** An element as knftables writes it: key, then comment, then ` : value`. */
function elementDump(e: Element): string {
  return elementText({ key: e.key, ...(e.comment !== undefined ? { comment: e.comment } : {}), ...(e.verdict ? { verdict: e.verdict } : {}), ...(e.data ? { data: e.data } : {}) });
}

export function dumpTable(t: NftTable): string[] {
  const head = `${t.family} ${t.name}`;
  const out: string[] = [];
  const props = [...(t.comment !== undefined ? [` comment "${t.comment}" ;`] : []), ...(t.flags.length ? [` flags ${t.flags.join(',')} ;`] : [])];
  out.push(`add table ${head}${props.length ? ` {${props.join('')} }` : ''}`);
  // an unread group's chains (plain: no base, no comment) dumped from their rule texts, unread
  const listed: { name: string; c?: NftChain; rules?: readonly string[] }[] = [];
  t.eachChain(
    (c) => listed.push({ name: c.name, c }),
    (g) => g.names.forEach((name, i) => listed.push({ name, rules: g.lists[i]! })),
  );
  const chains = byName(listed);
  for (const { c, name } of chains) {
    if (!c) {
      out.push(`add chain ${head} ${name}`);
      continue;
    }
    const parts: string[] = [];
    if (c.base) parts.push(` type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority} ;${c.base.policy === 'drop' ? ' policy drop ;' : ''}`);
    if (c.comment !== undefined) parts.push(` comment "${c.comment}" ;`);
    out.push(`add chain ${head} ${c.name}${parts.length ? ` {${parts.join('')} }` : ''}`);
  }
  const sets = byName([...t.sets.values()].filter((s) => !s.isMap));
  const maps = byName([...t.sets.values()].filter((s) => s.isMap));
  for (const s of [...sets, ...maps]) out.push(setLine(head, s));
  for (const { c, name, rules } of chains) {
    if (rules) for (const r of rules) out.push(`add rule ${head} ${name} ${r}`);
    else for (const r of c!.rules) out.push(`add rule ${head} ${name} ${r.text}${r.comment !== undefined ? ` comment "${r.comment}"` : ''}`);
  }
  for (const s of [...sets, ...maps]) for (const e of s.elements.values()) out.push(`add element ${head} ${s.name} { ${elementDump(e)} }`);
  return out;
}

/** The whole ruleset's dump, one line each. */
export function dumpRuleset(rs: NftRuleset): string {
  const tables = [...rs.tables.values()].sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return tables.flatMap(dumpTable).map((l) => l + '\n').join('');
}

const ORDER = ['table', 'chain', 'rule', 'set', 'map', 'element'];

/**
 * kube-proxy's sortNFTablesTransaction: blank and `#` lines dropped; lines sorted by object type
 * (table, chain, rule, set, map, element), then by object name; rules of one chain keep their
 * order, other lines with the same type and name sort as whole lines.
 */
export function sortTransaction(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const keyed = lines.map((l, i) => {
    const w = l.split(' ');
    return { l, i, type: ORDER.indexOf(w[1] ?? ''), name: w[4] ?? '' };
  });
  keyed.sort((a, b) => {
    if (a.type !== b.type) return a.type - b.type;
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    if (ORDER[a.type] === 'rule') return a.i - b.i;
    return a.l < b.l ? -1 : a.l > b.l ? 1 : 0;
  });
  return keyed.map((k) => k.l + '\n').join('');
}

// iptables-restore input: printing one (in the normal form kube-proxy's tests compare, which is
// also knet's stable order) and applying one to a kernel ruleset the way
// `iptables-restore --noflush` does.
import type { PrintMemo, Rule } from './rule.js';
import { orderedChains } from './chain-order.js';
import type { Ruleset, Table } from './ruleset.js';

const LAST_RULE = 'must be the last rule';

/** The service a rule belongs to: its comment up to the first space or colon. */
function serviceKey(text: string): string {
  let at = text.indexOf('--comment ');
  if (at < 0) return '';
  at += 10;
  if (text.charCodeAt(at) === 34) at++;
  let end = at;
  for (; end < text.length; end++) {
    const c = text.charCodeAt(end);
    if (c === 32 || c === 58 || c === 34) break;
  }
  return text.slice(at, end);
}

// Entry chains (KUBE-SERVICES, KUBE-NODEPORTS: a rule per Service port) are reprinted whole on
// every sync, as kube-proxy rewrites them; their rules are the same objects from sync to sync
// while the Service is unchanged, so each one keeps its sort key and line (Rule.printed).
function orderOf(r: Rule): PrintMemo {
  return (r.printed ??= { key: serviceKey(r.text), last: r.text.includes(LAST_RULE), line: undefined });
}

function sortByService(rules: readonly Rule[], lastRuleLast: boolean): readonly Rule[] {
  const before = (a: Rule, ai: number, b: Rule, bi: number): number => {
    const oa = orderOf(a);
    const ob = orderOf(b);
    if (lastRuleLast && oa.last !== ob.last) return oa.last ? 1 : -1;
    return oa.key < ob.key ? -1 : oa.key > ob.key ? 1 : ai - bi;
  };
  // Generated input is usually in order already: then keep the very same list.
  let sorted = true;
  for (let i = 1; i < rules.length && sorted; i++) if (before(rules[i - 1]!, i - 1, rules[i]!, i) > 0) sorted = false;
  if (sorted) return rules;
  return rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) => before(a.r, a.i, b.r, b.i))
    .map((x) => x.r);
}

function entryLine(chain: string, r: Rule): string {
  if (r.chain !== chain) return `-A ${chain} ${r.text}\n`;
  const o = orderOf(r);
  return (o.line ??= `-A ${chain} ${r.text}\n`);
}

/**
 * The last time an entry chain was printed: its rules (already in order), where each one's line
 * ends, and the printed output holding the lines (flat, so reusing a part of it copies nothing),
 * from `base`.
 */
interface Printed {
  rules: readonly Rule[];
  ends: number[];
  text: string;
  base: number;
}

/** An entry chain printed into the output's pieces from piece `at`, to be remembered with the output once joined. */
interface Pending {
  id: string;
  rules: readonly Rule[];
  ends: number[];
  at: number;
}

const printed = new Map<string, Printed>();

/**
 * Pushes an entry chain's lines onto `out`. A partial sync changes a few Services, so most of the
 * chain is the same rules as the last time it was printed: that text is reused around the changed middle.
 */
function entryText(out: string[], pending: Pending[], t: Table, chain: string, rules: readonly Rule[], lastRuleLast: boolean): void {
  const id = `${t.name} ${chain}`;
  const prev = printed.get(id);
  const start = out.length;
  if (prev && rules.length > 64) {
    let p = 0;
    const n = rules.length;
    const m = prev.rules.length;
    while (p < n && p < m && rules[p] === prev.rules[p]) p++;
    let q = 0;
    while (q < n - p && q < m - p && rules[n - 1 - q] === prev.rules[m - 1 - q]) q++;
    const middle = rules.slice(p, n - q);
    const around = [...(p > 0 ? [rules[p - 1]!] : []), ...middle, ...(q > 0 ? [rules[n - q]!] : [])];
    if (p + q > 0 && sortByService(around, lastRuleLast) === around) {
      const length = prev.ends[m - 1]!;
      const head = p > 0 ? prev.ends[p - 1]! : 0;
      // Where the reused end starts in the old lines (its first rule's line start).
      const tail = q === 0 ? length : m - q > 0 ? prev.ends[m - q - 1]! : 0;
      if (head > 0) out.push(prev.text.slice(prev.base, prev.base + head));
      const ends = prev.ends.slice(0, p);
      let at = head;
      for (const r of middle) {
        const l = entryLine(chain, r);
        out.push(l);
        ends.push((at += l.length));
      }
      const shift = at - tail;
      for (let i = m - q; i < m; i++) ends.push(prev.ends[i]! + shift);
      if (tail < length) out.push(prev.text.slice(prev.base + tail, prev.base + length));
      pending.push({ id, rules, ends, at: start });
      return;
    }
  }
  const sorted = sortByService(rules, lastRuleLast);
  const ends: number[] = [];
  let at = 0;
  for (const r of sorted) {
    const l = entryLine(chain, r);
    out.push(l);
    ends.push((at += l.length));
  }
  // Only an already ordered list can be spliced next time (positions are the input's).
  if (sorted === rules) pending.push({ id, rules, ends, at: start });
  else printed.delete(id);
}

/** Chains whose rules the normal form orders by service (nat KUBE-SERVICES keeps its last rule last). */
function serviceOrdered(t: Table, chain: string): { lastRuleLast: boolean } | undefined {
  if (chain === 'KUBE-NODEPORTS' || (chain === 'KUBE-SERVICES' && t.name === 'filter')) return { lastRuleLast: false };
  if (chain === 'KUBE-SERVICES' && t.name === 'nat') return { lastRuleLast: true };
  return undefined;
}

/**
 * The restore text in the normal form of kube-proxy's unit tests: tables by name, chains
 * KUBE-NODEPORTS, KUBE-SERVICES, then by name; the service entry chains ordered by service;
 * `-X` lines after all rules. Every line as kube-proxy wrote it.
 */
export function formatRestore(input: Ruleset): string {
  const out: string[] = [];
  const pending: Pending[] = [];
  const tables = [...input.tables.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const t of tables) {
    out.push(`*${t.name}\n`);
    const { names, chains } = orderedChains(t);
    if (names.length) out.push(`:${names.join(' - [0:0]\n:')} - [0:0]\n`);
    for (let i = 0; i < names.length; i++) {
      const n = names[i]!;
      const c = chains[i]!;
      if (typeof c === 'string') out.push(c);
      else {
        const entry = serviceOrdered(t, n);
        if (entry) {
          if (c.size) entryText(out, pending, t, n, c.rules, entry.lastRuleLast);
        } else if (c.lines) out.push(c.lines.text);
        else for (const r of c.rules) out.push(`-A ${n} ${r.text}\n`);
      }
    }
    if (t.deletions.length) {
      const deleted = new Set(t.deletions);
      for (const n of names) if (deleted.has(n)) out.push(`-X ${n}\n`);
    }
    out.push('COMMIT\n');
  }
  const text = out.join('');
  let base = 0;
  let k = 0;
  for (const e of pending) {
    for (; k < e.at; k++) base += out[k]!.length;
    printed.set(e.id, { rules: e.rules, ends: e.ends, text, base });
  }
  return text;
}

/**
 * `iptables-restore --noflush`: every chain the input declares is created or flushed and given
 * the input's rules; chains other components own stay as they are; `-X` deletes.
 */
export function applyRestore(kernel: Ruleset, input: Ruleset): void {
  for (const t of input.tables.values()) {
    const kt = kernel.table(t.name);
    const deleted = new Set(t.deletions);
    for (const name of t.objectNames()) {
      if (deleted.has(name)) continue;
      const c = t.chain(name)!;
      const kc = kt.ensureChain(name);
      if (c.builtin) kc.policy = c.policy;
      if (c.lines) kc.setLines(c.lines);
      else if (c.ruleSource) kc.setSource(c.ruleSource);
      else kc.setRules([...c.rules]);
    }
    if (!kt.adoptGroups(t)) for (const [id, g] of t.groups()) kt.setGroup(id, g);
    for (const name of t.deletions) kt.deleteChain(name, t.deletedFrom.get(name) || undefined);
  }
}

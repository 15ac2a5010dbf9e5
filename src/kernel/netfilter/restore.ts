// iptables-restore input: printing one (in the normal form kube-proxy's tests compare, which is
// also knet's stable order) and applying one to a kernel ruleset the way
// `iptables-restore --noflush` does.
import type { Rule } from './rule.js';
import type { Ruleset, Table } from './ruleset.js';

function chainRank(name: string): number {
  if (name === 'KUBE-NODEPORTS') return 0;
  if (name === 'KUBE-SERVICES') return 1;
  return name.startsWith('KUBE-') ? 2 : 3;
}

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

function sortByService(rules: readonly Rule[], lastRuleLast: boolean): readonly Rule[] {
  const keyed = rules.map((r, i) => ({ r, i, k: serviceKey(r.text), last: lastRuleLast && r.text.includes(LAST_RULE) }));
  const before = (a: (typeof keyed)[0], b: (typeof keyed)[0]): number => Number(a.last) - Number(b.last) || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) || a.i - b.i;
  // Generated input is usually in order already: then keep the very same list.
  let sorted = true;
  for (let i = 1; i < keyed.length && sorted; i++) if (before(keyed[i - 1]!, keyed[i]!) > 0) sorted = false;
  if (sorted) return rules;
  keyed.sort(before);
  return keyed.map((x) => x.r);
}

/** Chain names in normal-form order (plain string sorts per group: fast for 100k names). */
function sortChainNames(names: Iterable<string>): string[] {
  const groups: string[][] = [[], [], [], []];
  for (const n of names) groups[chainRank(n)]!.push(n);
  return groups.flatMap((g) => g.sort());
}

/** A table's rules in normal-form order, chain by chain. */
function normalRules(t: Table, chain: string, rules: readonly Rule[]): readonly Rule[] {
  if (chain === 'KUBE-NODEPORTS' || (chain === 'KUBE-SERVICES' && t.name === 'filter')) return sortByService(rules, false);
  if (chain === 'KUBE-SERVICES' && t.name === 'nat') return sortByService(rules, true);
  return rules;
}

/**
 * The restore text in the normal form of kube-proxy's unit tests: tables by name, chains
 * KUBE-NODEPORTS, KUBE-SERVICES, then by name; the service entry chains ordered by service;
 * `-X` lines after all rules. Every line as kube-proxy wrote it.
 */
export function formatRestore(input: Ruleset): string {
  const out: string[] = [];
  const tables = [...input.tables.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const t of tables) {
    out.push(`*${t.name}`);
    const names = sortChainNames(t.chains.keys());
    for (const n of names) out.push(`:${n} - [0:0]`);
    for (const n of names) {
      const rules = normalRules(t, n, t.chains.get(n)!.rules);
      for (let i = 0; i < rules.length; i++) out.push(`-A ${n} ${rules[i]!.text}`);
    }
    if (t.deletions.length) {
      const deleted = new Set(t.deletions);
      for (const n of names) if (deleted.has(n)) out.push(`-X ${n}`);
    }
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

/**
 * `iptables-restore --noflush`: every chain the input declares is created or flushed and given
 * the input's rules; chains other components own stay as they are; `-X` deletes.
 */
export function applyRestore(kernel: Ruleset, input: Ruleset): void {
  for (const t of input.tables.values()) {
    const kt = kernel.table(t.name);
    for (const [name, c] of t.chains) {
      const kc = kt.ensureChain(name);
      if (c.builtin) kc.policy = c.policy;
      kc.setRules([...c.rules]);
    }
    for (const name of t.deletions) kt.chains.delete(name);
  }
}

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

/** Chain order of the normal form: KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* by name, the rest by name. */
export function compareChainNames(a: string, b: string): number {
  return chainRank(a) - chainRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const LAST_RULE = 'must be the last rule';

/** The service a rule belongs to: its comment up to the first space or colon. */
function serviceKey(text: string): string {
  const at = text.indexOf('--comment ');
  if (at < 0) return '';
  let s = text.slice(at + 10);
  if (s.startsWith('"')) s = s.slice(1);
  const end = s.search(/[ :"]/);
  return end < 0 ? s : s.slice(0, end);
}

function sortByService(rules: readonly Rule[], lastRuleLast: boolean): Rule[] {
  const keyed = rules.map((r, i) => ({ r, i, k: serviceKey(r.text), last: lastRuleLast && r.text.includes(LAST_RULE) }));
  keyed.sort((a, b) => Number(a.last) - Number(b.last) || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) || a.i - b.i);
  return keyed.map((x) => x.r);
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
    const names = [...t.chains.keys()].sort(compareChainNames);
    for (const n of names) out.push(`:${n} - [0:0]`);
    for (const n of names) for (const r of normalRules(t, n, t.chains.get(n)!.rules)) out.push(`-A ${n} ${r.text}`);
    const deleted = new Set(t.deletions);
    for (const n of names) if (deleted.has(n)) out.push(`-X ${n}`);
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

/** Puts a restore input into normal-form rule order in place (what the kernel then holds). */
export function normaliseRestore(input: Ruleset): void {
  for (const t of input.tables.values()) {
    for (const [n, c] of t.chains) {
      const sorted = normalRules(t, n, c.rules);
      if (sorted !== c.rules) c.setRules([...sorted]);
    }
  }
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

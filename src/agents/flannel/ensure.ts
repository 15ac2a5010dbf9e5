// flanneld's iptables loop: every few seconds it checks that each of its rules is in place and
// appends what is missing (go-iptables AppendUnique), so its jumps land after whatever the
// built-in chains already hold — kube-proxy's inserted jumps among them.
import { Rule } from '../../kernel/netfilter/rule.js';
import { isTableName, type Chain, type Ruleset, type Table } from '../../kernel/netfilter/ruleset.js';
import type { IptablesRestoreLines } from './rules.js';

/** What the last check found in place: the lines checked and each chain they touched at its revision. */
interface Checked {
  lines: IptablesRestoreLines;
  chains: [Table, Chain, number][];
}

/** The same lines, table by table (the check runs on every read of a node: no serialising). */
function sameLines(a: IptablesRestoreLines, b: IptablesRestoreLines): boolean {
  const ka = Object.keys(a) as (keyof IptablesRestoreLines)[];
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = a[k];
    const y = b[k];
    if (!y || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

const lastCheck = new WeakMap<Ruleset, Checked>();

export function ensureRules(rs: Ruleset, lines: IptablesRestoreLines): void {
  // Every read of a node runs the check: when neither the rules nor those chains changed since
  // the last one, it would find everything in place again.
  const last = lastCheck.get(rs);
  if (last && (last.lines === lines || sameLines(last.lines, lines)) && last.chains.every(([t, c, rev]) => t.chain(c.name) === c && c.revision === rev)) return;
  const touched = new Set<[Table, Chain]>();
  const seen = new Set<Chain>();
  const note = (t: Table, c: Chain): Chain => {
    if (!seen.has(c)) {
      seen.add(c);
      touched.add([t, c]);
    }
    return c;
  };
  for (const [table, list] of Object.entries(lines)) {
    if (!isTableName(table)) continue;
    const t = rs.table(table);
    for (const line of list as string[]) {
      if (line.startsWith(':')) {
        note(t, t.ensureChain(line.slice(1).split(' ')[0]!));
        continue;
      }
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      const chain = note(t, t.ensureChain(rest.slice(0, sp)));
      const rule = Rule.parse(table, chain.name, rest.slice(sp + 1), rs.family);
      if (!chain.rules.some((r) => r.saveText === rule.saveText)) chain.append(rule);
    }
  }
  lastCheck.set(rs, { lines, chains: [...touched].map(([t, c]) => [t, c, c.revision]) });
}

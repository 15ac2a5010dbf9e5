// flanneld's iptables loop: every few seconds it checks that each of its rules is in place and
// appends what is missing (go-iptables AppendUnique), so its jumps land after whatever the
// built-in chains already hold — kube-proxy's inserted jumps among them.
import { Rule } from '../../kernel/netfilter/rule.js';
import { isTableName, type Ruleset } from '../../kernel/netfilter/ruleset.js';
import type { IptablesRestoreLines } from './rules.js';

export function ensureRules(rs: Ruleset, lines: IptablesRestoreLines): void {
  for (const [table, list] of Object.entries(lines)) {
    if (!isTableName(table)) continue;
    const t = rs.table(table);
    for (const line of list as string[]) {
      if (line.startsWith(':')) {
        t.ensureChain(line.slice(1).split(' ')[0]!);
        continue;
      }
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      const chain = t.ensureChain(rest.slice(0, sp));
      const rule = Rule.parse(table, chain.name, rest.slice(sp + 1), rs.family);
      if (!chain.rules.some((r) => r.saveText === rule.saveText)) chain.append(rule);
    }
  }
}

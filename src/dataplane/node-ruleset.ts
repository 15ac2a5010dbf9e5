// A node's whole netfilter state: kube-proxy's tables (its jump rules first, as it inserts them)
// with flanneld's rules appended after, as the two daemons leave a real node. A dump loaded
// with --iptables-save replaces the lot.
import { Rule } from '../kernel/netfilter/rule.js';
import { Ruleset, isTableName } from '../kernel/netfilter/ruleset.js';
import type { IptablesRestoreLines } from '../agents/flannel/rules.js';

export function mergeRulesets(kubeProxy: Ruleset, flannel: IptablesRestoreLines | undefined): Ruleset {
  const rs = new Ruleset(kubeProxy.family, 'kernel');
  for (const t of kubeProxy.tables.values()) {
    const nt = rs.table(t.name);
    for (const c of t.chains.values()) {
      const nc = nt.ensureChain(c.name);
      nc.policy = c.policy;
      nc.setRules(c.rules.map((r) => new Rule(t.name, c.name, r.text, r.family)));
    }
  }
  for (const [table, lines] of Object.entries(flannel ?? {})) {
    if (!isTableName(table)) continue;
    const nt = rs.table(table);
    for (const line of lines as string[]) {
      if (line.startsWith(':')) nt.ensureChain(line.slice(1).split(' ')[0]!);
      else if (line.startsWith('-A ')) {
        const rest = line.slice(3);
        const sp = rest.indexOf(' ');
        const chain = rest.slice(0, sp);
        nt.ensureChain(chain).append(Rule.parse(table, chain, rest.slice(sp + 1), rs.family));
      }
    }
  }
  return rs;
}

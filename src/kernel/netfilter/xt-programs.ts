// An xtables ruleset (what iptables-nft keeps per family) as hook programs: each table's
// built-in chain registers at its hook with the table's fixed priority, as the kernel's
// iptable_* modules do (raw −300, mangle −150, nat −100 before routing / 100 after, filter 0).
import { PRIORITY, XT_CHAIN, type HookName, type HookProgram } from '../hooks.js';
import { BUILTIN_CHAINS, type Ruleset, type TableName } from './ruleset.js';
import { runTable, type XtState } from './xt-eval.js';

const HOOK_OF: Record<string, HookName> = { PREROUTING: 'prerouting', INPUT: 'input', FORWARD: 'forward', OUTPUT: 'output', POSTROUTING: 'postrouting' };

function priority(table: TableName, hook: HookName): number {
  if (table === 'nat') return hook === 'prerouting' || hook === 'output' ? PRIORITY.dstnat : PRIORITY.srcnat;
  return PRIORITY[table];
}

export function xtablesPrograms(rs: Ruleset, state: XtState): HookProgram[] {
  const out: HookProgram[] = [];
  for (const table of Object.keys(BUILTIN_CHAINS) as TableName[]) {
    for (const chain of BUILTIN_CHAINS[table]) {
      const hook = HOOK_OF[chain]!;
      out.push({
        name: `${rs.family === 4 ? 'iptables' : 'ip6tables'} ${table}`,
        family: rs.family,
        hook,
        priority: priority(table, hook),
        type: table === 'nat' ? 'nat' : table === 'mangle' && hook === 'output' ? 'route' : 'filter',
        run: (p, env) => runTable(rs, table, XT_CHAIN[hook], p, env, state),
      });
    }
  }
  return out;
}

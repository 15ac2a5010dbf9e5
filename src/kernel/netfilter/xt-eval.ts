// One xtables table at one hook, for one packet, the way x_tables walks it: rules in order,
// every match of a rule must hold, jumps push, RETURN pops, a built-in chain ends in its policy.
// Each rule is compiled once (matches and target from the registries); what matched becomes
// typed evidence for the trace. Long chains jump to the rules that can match the destination
// (xt-index.ts) while counting every rule the kernel would have walked.
import type { Evidence, HookEnv, HookPacket, ProgramResult } from '../hooks.js';
import type { RecentLists } from '../recent.js';
import type { Rule } from './rule.js';
import type { Chain, Ruleset, TableName } from './ruleset.js';
import { addrTest, assume, compileMatch, ifaceMatches, type MatchCtx, type Matcher } from './xt-match.js';
import { dstKey, nextCandidate } from './xt-index.js';
import { compileTarget, type Action } from './xt-target.js';

export class NetfilterError extends Error {}

type RuleEvidence = Extract<Evidence, { kind: 'rule' }>;

interface Compiled {
  /** -s / -d, tested first: most rules of a long chain fail on them. */
  quick: (p: HookPacket) => boolean;
  matchers: Matcher[];
  action?: Action;
  comment?: string;
  actionText: string;
}

const compiledRules = new WeakMap<Rule, Compiled>();

function compile(rule: Rule): Compiled {
  let c = compiledRules.get(rule);
  if (c) return c;
  const s = rule.spec;
  const src = s.source ? { t: addrTest(s.source.value), neg: s.source.negate } : undefined;
  const dst = s.destination ? { t: addrTest(s.destination.value), neg: s.destination.negate } : undefined;
  const quick = (p: HookPacket): boolean => (!dst || dst.t(p.dst) !== dst.neg) && (!src || src.t(p.src) !== src.neg);
  const matchers: Matcher[] = [];
  if (s.protocol && s.protocol.value !== 'all') {
    const { value, negate } = s.protocol;
    matchers.push(({ p }) => (p.proto === value || (value === 'ipv6-icmp' && p.proto === 'icmp')) !== negate);
  }
  if (s.inInterface) {
    const { value, negate } = s.inInterface;
    matchers.push(({ p }) => ifaceMatches(value, p.inIface) !== negate);
  }
  if (s.outInterface) {
    const { value, negate } = s.outInterface;
    matchers.push(({ p }) => ifaceMatches(value, p.outIface) !== negate);
  }
  // knet's packets are never fragments.
  if (s.fragment && !s.fragment.negate) matchers.push(() => false);
  for (const m of s.matches) matchers.push(compileMatch(m, rule));
  const comment = s.matches.find((m) => m.name === 'comment')?.options.find((o) => o.name === '--comment')?.args[0];
  const t = s.target;
  const actionText = t ? `${t.goto ? '-g' : '-j'} ${t.name}` : '';
  c = { quick, matchers, ...(t ? { action: compileTarget(t) } : {}), ...(comment !== undefined ? { comment } : {}), actionText };
  compiledRules.set(rule, c);
  return c;
}

const MAX_DEPTH = 64;
const MAX_STEPS = 1_000_000;

export interface XtState {
  recent: RecentLists;
  nth: Map<Rule, number>;
}

/**
 * Runs the built-in chain `hook` of `table`. A missing table or chain accepts, as an empty
 * kernel table does. Jumps to missing chains and chain loops are errors, not hangs.
 */
export function runTable(rs: Ruleset, table: TableName, hook: string, p: HookPacket, env: HookEnv, state: XtState): ProgramResult {
  const t = rs.tables.get(table);
  const res: ProgramResult = { verdict: 'accept', mark: p.mark, evidence: [], evaluated: 0 };
  const start = t?.chain(hook);
  if (!t || !start) return res;
  const family = rs.family;
  const stack: { chain: string; pos: number }[] = [];
  let steps = 0;
  let chain = start;
  let i = 0;
  let ctMark = p.ct.mark;
  const pkt: HookPacket = { ...p, ct: { ...p.ct } };
  const dst = dstKey(p.dst);
  // (no closures per call: the loader names every function it creates, and this runs per table per hook per packet)
  walk: for (;;) {
    // Rules the index skips fail on -d: counted as the kernel's walk evaluates them.
    const next = nextCandidate(chain, i, dst);
    res.evaluated += next - i;
    steps += next - i;
    i = next;
    if (steps > MAX_STEPS) throw new NetfilterError(`${table} chain ${chain.name}: more than ${MAX_STEPS} rules evaluated for one packet (a goto loop?)`);
    if (i >= chain.size) {
      const frame = stack.pop();
      if (!frame) {
        endOfBuiltin(res, chain, family, table);
        break;
      }
      chain = t.chain(frame.chain)!;
      i = frame.pos;
      continue;
    }
    const rule = chain.ruleAt(i++)!;
    // Its place in this chain (a generated rule object can sit in several nodes' chains).
    const position = i;
    res.evaluated++;
    if (++steps > MAX_STEPS) throw new NetfilterError(`${table} chain ${chain.name}: more than ${MAX_STEPS} rules evaluated for one packet (a goto loop?)`);
    const c = compile(rule);
    if (!c.quick(pkt)) continue;
    const ev: RuleEvidence = { kind: 'rule', tool: 'iptables', family, table, chain: rule.chain, position, text: '', action: c.actionText, ...(c.comment !== undefined ? { comment: c.comment } : {}) };
    pkt.mark = res.mark;
    pkt.ct.mark = ctMark;
    const ctx: MatchCtx = { p: pkt, env, recent: state.recent, nth: state.nth, ev };
    let matched = true;
    for (const m of c.matchers) {
      if (!m(ctx)) {
        matched = false;
        break;
      }
    }
    if (!matched && !ev.branch) {
      // A rule knet could not fully judge is said even when it did not match.
      if (ev.assumed) res.evidence.push({ kind: 'note', text: `${table} ${rule.chain} rule ${position} (-A ${rule.chain} ${rule.saveText}): ${ev.assumed}` });
      continue;
    }
    ev.text = `-A ${rule.chain} ${rule.saveText}`;
    const at = res.evidence.push(ev) - 1;
    if (!matched) continue;
    const a = c.action;
    if (!a) continue;
    switch (a.do) {
      case 'verdict':
        res.verdict = a.verdict;
        res.decidedBy = at;
        break walk;
      case 'return': {
        const frame = stack.pop();
        if (!frame) {
          endOfBuiltin(res, chain, family, table);
          break walk;
        }
        chain = t.chain(frame.chain)!;
        i = frame.pos;
        continue;
      }
      case 'nat':
        res.nat = { ...a.nat, by: at };
        res.decidedBy = at;
        break walk;
      case 'mark':
        res.mark = a.apply(res.mark);
        continue;
      case 'connmark': {
        const r = a.apply(res.mark, ctMark);
        res.mark = r.mark;
        ctMark = r.ctMark;
        continue;
      }
      case 'notrack':
        // CT --notrack / NOTRACK mark the packet untracked and go on (XT_CONTINUE).
        res.notrack = true;
        continue;
      case 'continue':
        if (a.note) assume(ev, a.note);
        continue;
      case 'assume-accept':
        assume(ev, a.note);
        res.decidedBy = at;
        break walk;
      case 'chain': {
        const next = t.chain(a.chain, rule.group);
        if (!next) throw new NetfilterError(`${table} ${chain.name} rule ${position} jumps to chain ${a.chain}, which does not exist`);
        if (stack.length >= MAX_DEPTH || stack.some((f) => f.chain === next.name) || next.name === chain.name) {
          throw new NetfilterError(`${table} chain ${next.name} is entered again from ${chain.name} rule ${position}: a loop`);
        }
        if (!a.goto) stack.push({ chain: chain.name, pos: i });
        chain = next;
        i = 0;
      }
    }
  }
  if (ctMark !== p.ct.mark) res.ctMark = ctMark;
  return res;
}

/** The walk left the built-in chain at its end (or by RETURN): its policy decides. */
function endOfBuiltin(res: ProgramResult, chain: Chain, family: 4 | 6, table: TableName): void {
  if (chain.policy !== 'DROP') return;
  res.verdict = 'drop';
  res.evidence.push({ kind: 'policy', tool: 'iptables', family, table, chain: chain.name, verdict: 'DROP' });
}

// nftables in the hook engine: every base chain is a HookProgram. Running one walks its rules as
// the kernel does — statements left to right, a rule stops at the first that does not match;
// jump/goto/return over a call stack; named sets and verdict maps looked up by key (one lookup,
// not a scan: `evaluated` counts rules); `numgen random mod N` is a pick among N through
// env.choose; `update @set` records the source in the set with its timeout.
import type { Evidence, HookEnv, HookPacket, HookProgram, NatRequest, ProgramResult } from '../hooks.js';
import { CT_STATES, parseValue, protoNumber, type Value } from './datatype.js';
import { elementText, selectorType, verdictText, type Element, type Selector, type Stmt, type Verdict } from './expr.js';
import { ruleListText, stmtText } from './print.js';
import { elementKey, type NftChain, type NftRuleset, type NftSet, type NftTable } from './ruleset.js';

const FAMILY = { ip: 4, ip6: 6, inet: 'inet' } as const;
const ADDRTYPES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast'];
const MAX_STEPS = 100_000;

/** The base chains of the ruleset as engine programs (rebuilt by the caller when rs.generation changes). */
export function nftPrograms(rs: NftRuleset): HookProgram[] {
  const out: HookProgram[] = [];
  for (const t of rs.tables.values())
    for (const c of t.chainObjects.values()) {
      if (!c.base) continue;
      const base = c.base;
      out.push({
        name: `${t.family} ${t.name} ${c.name}`,
        family: FAMILY[t.family],
        hook: base.hook,
        priority: base.priority,
        type: base.type,
        run: (p, env) => runBaseChain(t, c, p, env),
      });
    }
  return out;
}

interface Ctx {
  t: NftTable;
  p: HookPacket;
  env: HookEnv;
  mark: number;
  evidence: Evidence[];
  nat?: NatRequest;
  notrack?: boolean;
}

/** The packet's value(s) for a selector; undefined when the packet has no such field. */
function select(ctx: Ctx, s: Selector): Value[] | undefined {
  const p = ctx.p;
  switch (s.k) {
    case 'payload': {
      if (s.proto === 'ip' || s.proto === 'ip6') {
        if ((s.proto === 'ip') !== (p.family === 4)) return undefined;
        if (s.field === 'protocol' || s.field === 'nexthdr') return one(parseValue('inet_proto', String(protoNumber(p.proto) ?? 0)));
        return one(parseValue(s.proto === 'ip' ? 'ipv4_addr' : 'ipv6_addr', s.field === 'saddr' ? p.src : p.dst));
      }
      const l4 = p.proto === 'tcp' || p.proto === 'udp' || p.proto === 'sctp';
      if (!l4 || (s.proto !== 'th' && s.proto !== p.proto)) return undefined;
      return one(parseValue('inet_service', String(s.field === 'sport' ? p.sport : p.dport)));
    }
    case 'meta':
      switch (s.key) {
        case 'mark':
          return one({ text: '', num: BigInt(ctx.mark >>> 0) });
        case 'l4proto':
          return one(parseValue('inet_proto', String(protoNumber(p.proto) ?? 0)));
        case 'nfproto':
          return one(parseValue('nf_proto', p.family === 4 ? 'ipv4' : 'ipv6'));
        case 'iifname':
        case 'iif':
          return p.inIface === undefined ? undefined : [{ text: `"${p.inIface}"`, num: 0n }];
        case 'oifname':
        case 'oif':
          return p.outIface === undefined ? undefined : [{ text: `"${p.outIface}"`, num: 0n }];
      }
      return undefined;
    case 'ct':
      if (s.key === 'state') return one({ text: '', num: BigInt(CT_STATES.find(([n]) => n === p.ct.state.toLowerCase())?.[1] ?? 0) });
      if (s.key === 'status') return one({ text: '', num: BigInt((p.ct.dnat ? 32 : 0) | (p.ct.snat ? 16 : 0)) });
      if (s.key === 'mark') return one({ text: '', num: BigInt(p.ct.mark >>> 0) });
      return one({ text: p.ct.direction, num: p.ct.direction === 'original' ? 0n : 1n });
    case 'ctTuple': {
      if ((s.proto === 'ip') !== (p.family === 4)) return undefined;
      // knet's ct view carries the original destination only
      if (s.dir !== 'original' || s.field !== 'daddr') return unmodelled(ctx, `ct ${s.dir} ${s.proto} ${s.field}`);
      return one(parseValue(s.proto === 'ip' ? 'ipv4_addr' : 'ipv6_addr', p.ct.origDst));
    }
    case 'fib': {
      if (s.result !== 'type') return unmodelled(ctx, `fib ${s.flags.join(' . ')} ${s.result}`);
      const t = ctx.env.addrType(s.flags[0] === 'saddr' ? p.src : p.dst, s.flags.includes('iif') ? p.inIface : s.flags.includes('oif') ? p.outIface : undefined);
      return one({ text: t.toLowerCase(), num: BigInt(Math.max(0, ADDRTYPES.indexOf(t.toLowerCase()))) });
    }
    case 'numgen':
      return undefined; // drawn by the vmap that uses it
    case 'concat': {
      const parts: Value[] = [];
      for (const x of s.parts) {
        const v = select(ctx, x);
        if (!v) return undefined;
        parts.push(...v);
      }
      return parts;
    }
    case 'binop': {
      const v = select(ctx, s.left);
      if (!v) return undefined;
      const a = v[0]!.num;
      const b = s.value.num;
      const r = s.op === '&' ? a & b : s.op === '|' ? a | b : a ^ b;
      return one({ text: '', num: r });
    }
  }
}

/** Says so in the evidence; the match is taken to fail. */
function unmodelled(ctx: Ctx, what: string): undefined {
  ctx.evidence.push({ kind: 'note', text: `nft: knet does not model ${what}; the rule using it is taken not to match` });
  return undefined;
}

function one(v: Value | undefined): Value[] | undefined {
  return v ? [v] : undefined;
}

function covers(e: Value, v: Value, flags: boolean): boolean {
  if (flags) return (e.num & v.num) !== 0n;
  if (e.last !== undefined) return v.num >= e.num && v.num <= e.last;
  // interface names: "eth0", or a prefix "veth*"
  if (e.text.startsWith('"')) return e.text.endsWith('*"') ? v.text.startsWith(e.text.slice(0, -2)) : e.text === v.text;
  return e.num === v.num;
}

function elementMatches(e: Element, vals: Value[], flags: boolean, now: number): boolean {
  if (e.expiresAt !== undefined && e.expiresAt <= now) return false;
  return e.key.length === vals.length && e.key.every((k, i) => covers(k, vals[i]!, flags));
}

/** The element of a set holding these values: by key for plain sets (a hash lookup), by range otherwise. */
function lookup(s: NftSet | Element[], vals: Value[], now: number): Element | undefined {
  if (!Array.isArray(s) && !s.flags.includes('interval')) {
    const e = s.elements.get(elementKey({ key: vals }));
    return e && (e.expiresAt === undefined || e.expiresAt > now) ? e : undefined;
  }
  for (const e of Array.isArray(s) ? s : s.elements.values()) if (elementMatches(e, vals, false, now)) return e;
  return undefined;
}

type Outcome = { kind: 'next' } | { kind: 'verdict'; verdict: Verdict | { v: 'reject' } | { v: 'nat' } };

interface RuleRun {
  matched: boolean;
  outcome: Outcome;
  action: string;
  element?: string;
  set?: string;
  branch?: { probability: number; taken: boolean; of: number };
}

function runRule(ctx: Ctx, stmts: Stmt[]): RuleRun {
  let action = '';
  let element: string | undefined;
  let branch: RuleRun['branch'];
  const now = ctx.env.now();
  for (const st of stmts) {
    switch (st.k) {
      case 'match': {
        const vals = select(ctx, st.sel);
        if (!vals) return { matched: false, outcome: { kind: 'next' }, action };
        const type = selectorType(st.sel)[0];
        const flags = (type === 'ct_state' || type === 'ct_status') && st.sel.k !== 'binop';
        let hit: boolean;
        if (st.rhs.k === 'value') hit = covers(st.rhs.v, vals[0]!, flags && !st.explicitEq);
        else if (st.rhs.k === 'anon') hit = st.rhs.elements.some((e) => elementMatches(e, vals, flags, now));
        else {
          const set = ctx.t.sets.get(st.rhs.name);
          hit = !!set && !!lookup(set, vals, now);
        }
        if (hit === st.neg) return { matched: false, outcome: { kind: 'next' }, action };
        break;
      }
      case 'vmap': {
        let vals: Value[] | undefined;
        const elements = 'elements' in st.map ? st.map.elements : undefined;
        const set = 'name' in st.map ? ctx.t.sets.get(st.map.name) : undefined;
        const ng = st.sel.k === 'numgen' ? st.sel : undefined;
        if (ng) {
          const at = (i: number): Value => ({ text: String(i + ng.offset), num: BigInt(i + ng.offset) });
          const labels = Array.from({ length: ng.mod }, (_, i) => {
            const e = elements ? lookup(elements, [at(i)], now) : set ? lookup(set, [at(i)], now) : undefined;
            return e?.verdict ? verdictText(e.verdict) : String(i + ng.offset);
          });
          const pick = ctx.env.choose({ what: `numgen ${ng.mode} mod ${ng.mod}`, options: labels.map((label) => ({ label, weight: 1 })) });
          branch = { probability: 1 / ng.mod, taken: true, of: ng.mod };
          vals = [at(pick)];
        } else vals = select(ctx, st.sel);
        if (!vals) return { matched: false, outcome: { kind: 'next' }, action };
        const e = elements ? lookup(elements, vals, now) : set ? lookup(set, vals, now) : undefined;
        if (!e?.verdict) return { matched: false, outcome: { kind: 'next' }, action };
        element = elementText(e);
        return { matched: true, outcome: { kind: 'verdict', verdict: e.verdict }, action: verdictText(e.verdict), element, ...(set ? { set: set.name } : {}), ...(branch ? { branch } : {}) };
      }
      case 'verdict':
        return { matched: true, outcome: st.verdict.v === 'continue' ? { kind: 'next' } : { kind: 'verdict', verdict: st.verdict }, action: verdictText(st.verdict), ...(element ? { element } : {}) };
      case 'reject':
        return { matched: true, outcome: { kind: 'verdict', verdict: { v: 'reject' } }, action: stmtText(st) };
      case 'nat': {
        const kind = st.kind === 'dnat' ? 'DNAT' : st.kind === 'snat' ? 'SNAT' : st.kind === 'masquerade' ? 'MASQUERADE' : 'REDIRECT';
        ctx.nat = { kind, ...(st.addr !== undefined ? { addr: st.addr } : {}), ...(st.port !== undefined ? { port: st.port } : {}), ...(st.flags.includes('fully-random') ? { randomFully: true } : {}), by: ctx.evidence.length };
        return { matched: true, outcome: { kind: 'verdict', verdict: { v: 'nat' } }, action: stmtText(st) };
      }
      case 'setMeta': {
        const v = 'k' in st.value ? select(ctx, st.value)?.[0]?.num : st.value.num;
        if (v !== undefined && !st.ct) ctx.mark = Number(v & 0xffffffffn);
        action = stmtText(st);
        break;
      }
      case 'update': {
        const set = ctx.t.sets.get(st.set);
        const vals = select(ctx, st.key);
        if (set && vals) {
          const timeout = set.timeout;
          const k = elementKey({ key: vals });
          if (!set.elements.has(k)) (set.learned ??= new Set()).add(k);
          set.elements.set(k, { key: vals, ...(timeout !== undefined ? { expiresAt: now + timeout } : {}) });
        }
        action = stmtText(st);
        break;
      }
      case 'notrack':
        ctx.notrack = true;
        action = 'notrack';
        break;
      case 'counter':
      case 'log':
        break;
    }
  }
  return { matched: true, outcome: { kind: 'next' }, action, ...(element ? { element } : {}) };
}

function runBaseChain(t: NftTable, base: NftChain, p: HookPacket, env: HookEnv): ProgramResult {
  const ctx: Ctx = { t, p, env, mark: p.mark, evidence: [] };
  const family = p.family;
  const stack: { chain: NftChain; i: number }[] = [];
  let chain = base;
  let i = 0;
  let evaluated = 0;
  const done = (verdict: ProgramResult['verdict'], decidedBy?: number): ProgramResult => ({
    verdict,
    ...(decidedBy !== undefined ? { decidedBy } : {}),
    ...(ctx.nat ? { nat: ctx.nat } : {}),
    mark: ctx.mark,
    ...(ctx.notrack ? { notrack: true } : {}),
    evidence: ctx.evidence,
    evaluated,
  });
  for (let steps = 0; steps < MAX_STEPS; steps++) {
    if (i >= chain.rules.length) {
      const up = stack.pop();
      if (up) {
        chain = up.chain;
        i = up.i;
        continue;
      }
      const policy = base.base!.policy;
      ctx.evidence.push({ kind: 'policy', tool: 'nft', family, table: t.name, chain: base.name, verdict: policy });
      return done(policy, policy === 'drop' ? ctx.evidence.length - 1 : undefined);
    }
    const rule = chain.rules[i++]!;
    evaluated++;
    const r = runRule(ctx, rule.stmts);
    if (!r.matched) continue;
    const idx = ctx.evidence.length;
    ctx.evidence.push({
      kind: 'rule',
      tool: 'nft',
      family,
      table: t.name,
      chain: chain.name,
      position: i,
      text: ruleListText(rule),
      action: r.action,
      ...(rule.comment !== undefined ? { comment: rule.comment } : {}),
      ...(r.element !== undefined ? { element: r.element } : {}),
      ...(r.set !== undefined ? { set: r.set } : {}),
      ...(r.branch ? { branch: r.branch } : {}),
    });
    if (r.outcome.kind === 'next') continue;
    const v = r.outcome.verdict;
    switch (v.v) {
      case 'accept':
      case 'nat':
        return done('accept');
      case 'drop':
        return done('drop', idx);
      case 'reject':
        return done('reject', idx);
      case 'return': {
        const up = stack.pop();
        if (!up) {
          // return from the base chain: its policy decides
          chain = base;
          i = base.rules.length;
          continue;
        }
        chain = up.chain;
        i = up.i;
        continue;
      }
      case 'jump':
      case 'goto': {
        const next = t.chain(v.chain);
        if (!next) return done('drop', idx);
        if (v.v === 'jump') stack.push({ chain, i });
        chain = next;
        i = 0;
        continue;
      }
      case 'continue':
        continue;
    }
  }
  ctx.evidence.push({ kind: 'note', text: `nft: ${base.name} did not finish in ${MAX_STEPS} rules (a loop?); knet stops the walk` });
  return done('drop');
}

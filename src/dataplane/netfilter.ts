// Executes a netfilter table's chain for one packet, the way the kernel's x_tables does: rules in
// order, every match of a rule must hold, jumps push, RETURN pops, a built-in chain ends in its
// policy. It records every rule that matched (and every coin a statistic rule tossed) so the
// trace can show exactly why the packet went where it went.
import { ipFamily, ipv4ToInt, parseCIDR, cidrContains } from '../net/ip.js';
import type { Extension, Option } from '../kernel/netfilter/extensions.js';
import { parseU32 } from '../kernel/netfilter/extensions.js';
import type { Rule } from '../kernel/netfilter/rule.js';
import type { Ruleset, TableName } from '../kernel/netfilter/ruleset.js';
import type { L4Proto } from '../kernel/conntrack.js';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

/** What netfilter sees of a packet at one hook. */
export interface NfPacket {
  src: string;
  dst: string;
  proto: L4Proto;
  sport: number;
  dport: number;
  inIface?: string;
  outIface?: string;
  /** Bridge ports, when the packet is being bridged (br_netfilter). */
  physIn?: string;
  physOut?: string;
  mark: number;
  ctstate: CtState;
  /** conntrack status bits the conntrack match can test. */
  ctDnat: boolean;
  ctSnat: boolean;
}

export type AddrType = 'LOCAL' | 'UNICAST' | 'BROADCAST' | 'MULTICAST' | 'UNSPEC';

/** The node facts and state a rule walk reads or changes besides the packet. */
export interface NfEnv {
  addrType(ip: string): AddrType;
  /** Decides a `statistic --mode random` rule: true = the rule matches. */
  chance(rule: Rule, probability: number): boolean;
  recent: RecentLists;
  now(): number;
}

/** One rule that matched (or a statistic rule whose coin came up "no"). */
export interface RuleHit {
  table: TableName;
  chain: string;
  position: number;
  /** The rule as iptables-save prints it: `-A CHAIN …`. */
  text: string;
  /** For a statistic rule: its probability and whether it fired. */
  probability?: number;
  taken?: boolean;
}

export interface NatAction {
  kind: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  /** DNAT/SNAT address and optional port. */
  addr?: string;
  port?: number;
  randomFully: boolean;
  rule: RuleHit;
}

export interface HookResult {
  /** How many rules the kernel compared the packet against. */
  evaluated: number;
  verdict: 'ACCEPT' | 'DROP' | 'REJECT';
  /** The rule that ended the walk, or undefined when the built-in chain's policy did. */
  decidedBy?: RuleHit;
  nat?: NatAction;
  hits: RuleHit[];
  mark: number;
}

export class NetfilterError extends Error {}

/** The `recent` match's lists: name → address → times seen (ms). */
export class RecentLists {
  private readonly lists = new Map<string, Map<string, number[]>>();

  list(name: string): Map<string, number[]> {
    let l = this.lists.get(name);
    if (!l) this.lists.set(name, (l = new Map()));
    return l;
  }

  /** Every list entry, for the trace's affinity notes. */
  entries(): { name: string; addr: string; last: number }[] {
    const out: { name: string; addr: string; last: number }[] = [];
    for (const [name, l] of this.lists) for (const [addr, ts] of l) out.push({ name, addr, last: ts[ts.length - 1]! });
    return out;
  }
}

const MAX_DEPTH = 64;
const MAX_STEPS = 1_000_000;

function ifaceMatches(pattern: string, iface: string | undefined): boolean {
  if (iface === undefined) return false;
  return pattern.endsWith('+') ? iface.startsWith(pattern.slice(0, -1)) : iface === pattern;
}

function inPorts(spec: string, port: number): boolean {
  return spec.split(',').some((p) => {
    const [a, b] = p.split(':');
    const lo = a === '' ? 0 : Number(a);
    const hi = b === undefined ? lo : b === '' ? 65535 : Number(b);
    return port >= lo && port <= hi;
  });
}

/** An address match compiled once per rule: IPv4 as integers, anything else through parseCIDR. */
type AddrTest = (ip: string) => boolean;
const compiled = new Map<string, AddrTest>();

function addrTest(value: string): AddrTest {
  let f = compiled.get(value);
  if (f) return f;
  const c = parseCIDR(value, true);
  if (!c) f = () => false;
  else if (c.family === 4) {
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
    const net = ipv4ToInt(c.network);
    f = (ip) => ip.indexOf(':') < 0 && ((ipv4ToInt(ip) & mask) >>> 0) === net;
  } else f = (ip) => cidrContains(c, ip);
  compiled.set(value, f);
  return f;
}

function cidrMatch(value: string, ip: string): boolean {
  return addrTest(value)(ip);
}

/** Evaluates one match extension; undefined = knet does not model it (the rule cannot match). */
function matchExtension(m: Extension, rule: Rule, p: NfPacket, env: NfEnv, hit: RuleHit): boolean {
  const get = (n: string): Option | undefined => m.options.find((o) => o.name === n);
  const all = (f: (o: Option) => boolean): boolean => m.options.every((o) => f(o) !== o.negate);
  switch (m.name) {
    case 'comment':
    case 'nfacct':
    case 'limit':
      return true;
    case 'tcp':
    case 'udp':
    case 'sctp':
      if (p.proto !== m.name) return false;
      return all((o) => (o.name === '--dport' ? inPorts(o.args[0]!, p.dport) : o.name === '--sport' ? inPorts(o.args[0]!, p.sport) : true));
    case 'multiport':
      return all((o) =>
        o.name === '--dports' ? inPorts(o.args[0]!, p.dport) : o.name === '--sports' ? inPorts(o.args[0]!, p.sport) : inPorts(o.args[0]!, p.dport) || inPorts(o.args[0]!, p.sport),
      );
    case 'addrtype':
      return all((o) => (o.name === '--dst-type' ? o.args[0]!.split(',').includes(env.addrType(p.dst)) : o.name === '--src-type' ? o.args[0]!.split(',').includes(env.addrType(p.src)) : true));
    case 'mark':
      return all((o) => {
        const [v, mk] = o.args[0]!.split('/');
        const mask = mk === undefined ? 0xffffffff : parseU32(mk)!;
        return ((p.mark & mask) >>> 0) === (parseU32(v!)! >>> 0);
      });
    case 'conntrack':
    case 'state':
      return all((o) => {
        if (o.name === '--ctstate' || o.name === '--state') {
          const want = o.args[0]!.split(',');
          return want.includes(p.ctstate) || (want.includes('DNAT') && p.ctDnat) || (want.includes('SNAT') && p.ctSnat);
        }
        if (o.name === '--ctstatus') return o.args[0]!.split(',').some((s) => s === 'CONFIRMED' || (s === 'ASSURED' && p.ctstate === 'ESTABLISHED'));
        return true;
      });
    case 'statistic': {
      const mode = get('--mode')?.args[0] ?? 'random';
      if (mode !== 'random') return true;
      const o = get('--probability')!;
      const prob = Number(o.args[0]);
      const fired = env.chance(rule, prob);
      hit.probability = prob;
      hit.taken = fired;
      return fired !== o.negate;
    }
    case 'recent':
      return recent(m, p, env);
    case 'physdev':
      return all((o) =>
        o.name === '--physdev-is-in' ? p.physIn !== undefined : o.name === '--physdev-is-out' ? p.physOut !== undefined : o.name === '--physdev-is-bridged' ? p.physIn !== undefined && p.physOut !== undefined : o.name === '--physdev-in' ? ifaceMatches(o.args[0]!, p.physIn) : ifaceMatches(o.args[0]!, p.physOut),
      );
    case 'icmp':
    case 'icmp6':
      return p.proto === 'icmp';
    default:
      return false;
  }
}

/** xt_recent: --set records the address; --rcheck/--update test it within --seconds; --reap forgets older ones. */
function recent(m: Extension, p: NfPacket, env: NfEnv): boolean {
  const has = (n: string): Option | undefined => m.options.find((o) => o.name === n);
  const negate = m.options.some((o) => o.negate);
  const list = env.recent.list(has('--name')?.args[0] ?? 'DEFAULT');
  const addr = has('--rdest') ? p.dst : p.src;
  const now = env.now();
  let hit: boolean;
  if (has('--set')) {
    const ts = list.get(addr) ?? [];
    ts.push(now);
    list.set(addr, ts);
    hit = true;
  } else if (has('--remove')) {
    hit = list.delete(addr);
  } else {
    const seconds = has('--seconds') ? Number(has('--seconds')!.args[0]) : undefined;
    const ts = list.get(addr);
    hit = !!ts && (seconds === undefined || ts.some((t) => now - t <= seconds * 1000));
    if (has('--reap') && seconds !== undefined && ts) {
      const kept = ts.filter((t) => now - t <= seconds * 1000);
      if (kept.length) list.set(addr, kept);
      else list.delete(addr);
    }
    if (hit && has('--update')) list.get(addr)!.push(now);
  }
  return hit !== negate;
}

function ruleMatches(rule: Rule, p: NfPacket, env: NfEnv, hit: RuleHit): boolean {
  const s = rule.spec;
  if (s.source && cidrMatch(s.source.value, p.src) === s.source.negate) return false;
  if (s.destination && cidrMatch(s.destination.value, p.dst) === s.destination.negate) return false;
  if (s.protocol && s.protocol.value !== 'all' && (s.protocol.value === p.proto) === s.protocol.negate) return false;
  if (s.inInterface && ifaceMatches(s.inInterface.value, p.inIface) === s.inInterface.negate) return false;
  if (s.outInterface && ifaceMatches(s.outInterface.value, p.outIface) === s.outInterface.negate) return false;
  if (s.fragment && !s.fragment.negate) return false;
  for (const m of s.matches) if (!matchExtension(m, rule, p, env, hit)) return false;
  return true;
}

function parseNatTo(arg: string): { addr: string; port?: number } {
  // [v6]:port, v4:port, v4, v6
  const v6 = arg.match(/^\[([^\]]+)\](?::(\d+))?/);
  if (v6) return { addr: v6[1]!, ...(v6[2] ? { port: Number(v6[2]) } : {}) };
  if (ipFamily(arg) === 6) return { addr: arg };
  const [addr, port] = arg.split(':');
  return { addr: addr!.split('-')[0]!, ...(port ? { port: Number(port.split('-')[0]) } : {}) };
}

/**
 * Runs `hook` (a built-in chain) of `table` for the packet. A missing table or chain accepts, as
 * an empty kernel table does. Jumps to missing chains and chain loops are errors, not hangs.
 */
export function runHook(rs: Ruleset, table: TableName, hook: string, p: NfPacket, env: NfEnv): HookResult {
  const t = rs.tables.get(table);
  const res: HookResult = { evaluated: 0, verdict: 'ACCEPT', hits: [], mark: p.mark };
  const start = t?.chain(hook);
  if (!t || !start) return res;
  const stack: { chain: string; pos: number }[] = [];
  let steps = 0;
  let chain = start;
  let i = 0;
  /** Back to the calling chain; false at the end of the built-in chain (its policy decides). */
  const ret = (): boolean => {
    const frame = stack.pop();
    if (!frame) {
      res.verdict = chain.policy === 'DROP' ? 'DROP' : 'ACCEPT';
      return false;
    }
    chain = t.chain(frame.chain)!;
    i = frame.pos;
    return true;
  };
  for (;;) {
    if (i >= chain.rules.length) {
      if (!ret()) return res;
      continue;
    }
    const rule = chain.rules[i++]!;
    res.evaluated++;
    if (++steps > MAX_STEPS) throw new NetfilterError(`${table} chain ${chain.name}: more than ${MAX_STEPS} rules evaluated for one packet (a goto loop?)`);
    // Cheap address checks first: most rules of KUBE-SERVICES fail on -d.
    const sp = rule.spec;
    if (sp.destination && addrTest(sp.destination.value)(p.dst) === sp.destination.negate) continue;
    if (sp.source && addrTest(sp.source.value)(p.src) === sp.source.negate) continue;
    const hit = { table: rule.table as TableName, chain: rule.chain, position: rule.position, text: '' } as RuleHit;
    p.mark = res.mark;
    const matched = ruleMatches(rule, p, env, hit);
    if (hit.probability !== undefined || matched) hit.text = `-A ${rule.chain} ${rule.saveText}`;
    if (hit.probability !== undefined) res.hits.push(hit);
    if (!matched) continue;
    if (hit.probability === undefined) res.hits.push(hit);
    const target = rule.spec.target;
    if (!target) continue;
    const opt = (n: string): Option | undefined => target.options.find((o) => o.name === n);
    switch (target.name) {
      case 'ACCEPT':
      case 'DROP':
      case 'REJECT':
        res.verdict = target.name;
        res.decidedBy = hit;
        return res;
      case 'RETURN':
        if (!ret()) return res;
        continue;
      case 'DNAT':
      case 'SNAT': {
        const to = parseNatTo(opt(target.name === 'DNAT' ? '--to-destination' : '--to-source')?.args[0] ?? '');
        res.nat = { kind: target.name, addr: to.addr, ...(to.port !== undefined ? { port: to.port } : {}), randomFully: !!opt('--random-fully'), rule: hit };
        res.verdict = 'ACCEPT';
        res.decidedBy = hit;
        return res;
      }
      case 'MASQUERADE':
      case 'REDIRECT': {
        const ports = opt('--to-ports')?.args[0];
        res.nat = { kind: target.name, ...(ports ? { port: Number(ports.split('-')[0]) } : {}), randomFully: !!opt('--random-fully'), rule: hit };
        res.verdict = 'ACCEPT';
        res.decidedBy = hit;
        return res;
      }
      case 'MARK':
        for (const o of target.options) {
          const [v, mk] = o.args[0]!.split('/');
          const value = parseU32(v!) ?? 0;
          if (o.name === '--or-mark') res.mark = (res.mark | value) >>> 0;
          else if (o.name === '--and-mark') res.mark = (res.mark & value) >>> 0;
          else if (o.name === '--xor-mark') res.mark = (res.mark ^ value) >>> 0;
          else {
            const mask = mk === undefined ? 0xffffffff : (parseU32(mk) ?? 0xffffffff);
            res.mark = ((res.mark & ~mask) ^ value) >>> 0;
          }
        }
        continue;
      case 'LOG':
      case 'NFLOG':
      case 'CT':
      case 'CONNMARK':
      case 'TRACE':
        continue;
      default: {
        const next = t.chain(target.name);
        if (!next) throw new NetfilterError(`${table} ${chain.name} rule ${rule.position} jumps to chain ${target.name}, which does not exist`);
        if (stack.length >= MAX_DEPTH || stack.some((f) => f.chain === next.name) || next.name === chain.name) {
          throw new NetfilterError(`${table} chain ${next.name} is entered again from ${chain.name} rule ${rule.position}: a loop`);
        }
        if (!target.goto) stack.push({ chain: chain.name, pos: i });
        chain = next;
        i = 0;
      }
    }
  }
}

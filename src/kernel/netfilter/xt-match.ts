// The match extensions the evaluator models, as a registry: each `-m NAME` of a rule is compiled
// once into a test over the packet. A match knet does not model compiles to "matches" with a
// note saying so, so a trace never silently takes a branch it cannot judge.
import { cidrContains, ipv4ToInt, parseCIDR } from '../../net/ip.js';
import { coin } from '../choice.js';
import type { Evidence, HookEnv, HookPacket } from '../hooks.js';
import type { RecentLists } from '../recent.js';
import { parseU32, type Extension, type Option } from './extensions.js';
import type { Rule } from './rule.js';

type RuleEvidence = Extract<Evidence, { kind: 'rule' }>;

/** Adds what knet assumed about a rule to what it already said. */
export function assume(ev: RuleEvidence, note: string): void {
  ev.assumed = ev.assumed ? `${ev.assumed}; ${note}` : note;
}

/** What a match may read or record while a rule is tested. */
export interface MatchCtx {
  p: HookPacket;
  env: HookEnv;
  recent: RecentLists;
  /** Per-rule counters of `statistic --mode nth`. */
  nth: Map<Rule, number>;
  /** The evidence of the rule being tested (a match adds branch, recent, assumed). */
  ev: RuleEvidence;
}

export type Matcher = (c: MatchCtx) => boolean;

export function ifaceMatches(pattern: string, iface: string | undefined): boolean {
  if (iface === undefined) return false;
  return pattern.endsWith('+') ? iface.startsWith(pattern.slice(0, -1)) : iface === pattern;
}

export function portsTest(spec: string): (port: number) => boolean {
  const ranges = spec.split(',').map((p) => {
    const [a, b] = p.split(':');
    const lo = a === '' ? 0 : Number(a);
    return [lo, b === undefined ? lo : b === '' ? 65535 : Number(b)] as const;
  });
  return (port) => ranges.some(([lo, hi]) => port >= lo && port <= hi);
}

const addrTests = new Map<string, (ip: string) => boolean>();

/** `network/prefix` compiled once: IPv4 as integers, IPv6 through parseCIDR. */
export function addrTest(value: string): (ip: string) => boolean {
  let f = addrTests.get(value);
  if (f) return f;
  const c = parseCIDR(value, true);
  if (!c) f = () => false;
  else if (c.family === 4) {
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
    const net = ipv4ToInt(c.network);
    f = (ip) => ip.indexOf(':') < 0 && ((ipv4ToInt(ip) & mask) >>> 0) === net;
  } else f = (ip) => ip.indexOf(':') >= 0 && cidrContains(c, ip);
  addrTests.set(value, f);
  return f;
}

function markTest(arg: string): (mark: number) => boolean {
  const [v, mk] = arg.split('/');
  const mask = mk === undefined ? 0xffffffff : (parseU32(mk) ?? 0xffffffff);
  const value = (parseU32(v ?? '') ?? 0) >>> 0;
  return (mark) => ((mark & mask) >>> 0) === value;
}

/** Every option must hold (each honouring its own `!`). */
function allOf(m: Extension, test: (o: Option) => Matcher | undefined, unknown: (o: Option) => Matcher): Matcher {
  const parts = m.options.map((o) => {
    const f = test(o) ?? unknown(o);
    return o.negate ? (c: MatchCtx) => !f(c) : f;
  });
  return (c) => parts.every((f) => f(c));
}

/** An option of a modelled match that knet does not evaluate: taken as holding, and said so. */
function assumeOption(m: Extension, o: Option): Matcher {
  const what = `-m ${m.name} ${o.name}`;
  return (c) => {
    assume(c.ev, `${what} is not modelled: taken as matching`);
    return true;
  };
}

const CT_STATES = new Set(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED']);

function conntrackMatch(m: Extension): Matcher {
  return allOf(
    m,
    (o) => {
      const a = o.args[0] ?? '';
      switch (o.name) {
        case '--ctstate':
        case '--state': {
          const want = a.split(',').map((s) => s.toUpperCase());
          return ({ p }) => want.some((w) => (CT_STATES.has(w) ? p.ct.state === w : w === 'DNAT' ? p.ct.dnat : w === 'SNAT' ? p.ct.snat : false));
        }
        case '--ctstatus': {
          const want = a.split(',');
          return ({ p }) => want.some((s) => s === 'CONFIRMED' ? p.ct.state !== 'NEW' && p.ct.state !== 'UNTRACKED' : s === 'ASSURED' || s === 'SEEN_REPLY' ? p.ct.state === 'ESTABLISHED' && p.ct.direction === 'reply' : false);
        }
        case '--ctorigdst': {
          const c = parseCIDR(a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`, true);
          const t = c ? addrTest(`${c.network}/${c.prefix}`) : () => false;
          return ({ p }) => t(p.ct.origDst);
        }
        case '--ctorigdstport': {
          const t = portsTest(a);
          return ({ p }) => t(p.ct.origDport);
        }
        case '--ctdir':
          return ({ p }) => p.ct.direction === a.toLowerCase();
        case '--ctproto':
          return ({ p }) => p.proto === a.toLowerCase();
        default:
          return undefined;
      }
    },
    (o) => assumeOption(m, o),
  );
}

function recentMatch(m: Extension): Matcher {
  const get = (n: string): Option | undefined => m.options.find((o) => o.name === n);
  const negate = m.options.some((o) => o.negate);
  const name = get('--name')?.args[0] ?? 'DEFAULT';
  const rdest = !!get('--rdest');
  const seconds = get('--seconds') ? Number(get('--seconds')!.args[0]) : undefined;
  const op = get('--set') ? 'set' : get('--remove') ? 'remove' : get('--update') ? 'update' : 'rcheck';
  const reap = !!get('--reap');
  return (c) => {
    const list = c.recent.list(name);
    const addr = rdest ? c.p.dst : c.p.src;
    const now = c.env.now();
    let hit: boolean;
    if (op === 'set') {
      list.set(addr, [...(list.get(addr) ?? []), now]);
      hit = true;
    } else if (op === 'remove') hit = list.delete(addr);
    else {
      const ts = list.get(addr);
      hit = !!ts && (seconds === undefined || ts.some((t) => now - t <= seconds * 1000));
      if (reap && seconds !== undefined && ts) {
        const kept = ts.filter((t) => now - t <= seconds * 1000);
        if (kept.length) list.set(addr, kept);
        else list.delete(addr);
      }
      if (hit && op === 'update') list.get(addr)!.push(now);
    }
    if (hit !== negate) c.ev.recent = { list: name, op, addr, ...(seconds !== undefined ? { seconds } : {}) };
    return hit !== negate;
  };
}

function statisticMatch(m: Extension, rule: Rule): Matcher {
  const get = (n: string): Option | undefined => m.options.find((o) => o.name === n);
  const negate = m.options.some((o) => o.negate && o.name !== '--mode');
  if ((get('--mode')?.args[0] ?? 'random') === 'nth') {
    const every = Number(get('--every')?.args[0] ?? '1');
    const packet = Number(get('--packet')?.args[0] ?? '0');
    // xt_statistic counts every packet the rule sees; the rule matches when the count wraps to --packet.
    return (c) => {
      const n = ((c.nth.get(rule) ?? -1) + 1) % every;
      c.nth.set(rule, n);
      return (n === packet) !== negate;
    };
  }
  const prob = Number(get('--probability')?.args[0] ?? '0');
  // one choice per rule: every packet meeting it tosses the same coin
  const choice = coin(`statistic --probability ${prob}`, prob);
  return (c) => {
    const fired = c.env.choose(choice) === 0;
    c.ev.branch = { probability: prob, taken: fired };
    return fired !== negate;
  };
}

const MATCHES: Record<string, (m: Extension, rule: Rule) => Matcher> = {
  comment: () => () => true,
  nfacct: () => () => true,
  limit: () => (c) => {
    assume(c.ev, '-m limit: knet sends one packet, which is always under the limit');
    return true;
  },
  tcp: portMatch,
  udp: portMatch,
  sctp: portMatch,
  multiport: (m) =>
    allOf(
      m,
      (o) => {
        const t = portsTest(o.args[0] ?? '');
        return o.name === '--dports' ? ({ p }) => t(p.dport) : o.name === '--sports' ? ({ p }) => t(p.sport) : ({ p }) => t(p.dport) || t(p.sport);
      },
      (o) => assumeOption(m, o),
    ),
  addrtype: (m) => {
    const limitIn = m.options.some((o) => o.name === '--limit-iface-in');
    const limitOut = m.options.some((o) => o.name === '--limit-iface-out');
    const ifaceOf = (p: HookPacket): string | undefined => (limitIn ? p.inIface : limitOut ? p.outIface : undefined);
    return allOf(
      m,
      (o) => {
        const types = (o.args[0] ?? '').split(',');
        if (o.name === '--dst-type') return ({ p, env }) => types.includes(env.addrType(p.dst, ifaceOf(p)));
        if (o.name === '--src-type') return ({ p, env }) => types.includes(env.addrType(p.src, ifaceOf(p)));
        if (o.name === '--limit-iface-in' || o.name === '--limit-iface-out') return () => true;
        return undefined;
      },
      (o) => assumeOption(m, o),
    );
  },
  mark: (m) =>
    allOf(
      m,
      (o) => {
        const t = markTest(o.args[0] ?? '0');
        return ({ p }) => t(p.mark);
      },
      (o) => assumeOption(m, o),
    ),
  connmark: (m) =>
    allOf(
      m,
      (o) => {
        const t = markTest(o.args[0] ?? '0');
        return o.name === '--mark' ? ({ p }) => t(p.ct.mark) : undefined;
      },
      (o) => assumeOption(m, o),
    ),
  conntrack: conntrackMatch,
  state: conntrackMatch,
  statistic: statisticMatch,
  recent: recentMatch,
  set: (m) => {
    const o = m.options.find((x) => x.name === '--match-set');
    const name = o?.args[0] ?? '';
    const dims = (o?.args[1] ?? 'src').split(',') as ('src' | 'dst')[];
    const negate = !!o?.negate;
    return (c) => {
      const hit = c.env.ipsets.test(name, dims, c.p);
      if (hit === undefined) {
        assume(c.ev, `ipset ${name} is not on this node (give its dump with --ipset-save NODE=FILE): taken as not matching`);
        return negate;
      }
      return hit !== negate;
    };
  },
  physdev: (m) =>
    allOf(
      m,
      (o) => {
        const a = o.args[0] ?? '';
        switch (o.name) {
          case '--physdev-is-in':
            return ({ p }) => p.physIn !== undefined;
          case '--physdev-is-out':
            return ({ p }) => p.physOut !== undefined;
          case '--physdev-is-bridged':
            return ({ p }) => p.physIn !== undefined && p.physOut !== undefined;
          case '--physdev-in':
            return ({ p }) => ifaceMatches(a, p.physIn);
          case '--physdev-out':
            return ({ p }) => ifaceMatches(a, p.physOut);
          default:
            return undefined;
        }
      },
      (o) => assumeOption(m, o),
    ),
  icmp: () => ({ p }) => p.proto === 'icmp',
  icmp6: () => ({ p }) => p.proto === 'icmp',
};

function portMatch(m: Extension): Matcher {
  const proto = m.name;
  const opts = allOf(
    m,
    (o) => {
      if (o.name === '--dport' || o.name === '--sport') {
        const t = portsTest(o.args[0] ?? '');
        return o.name === '--dport' ? ({ p }) => t(p.dport) : ({ p }) => t(p.sport);
      }
      // A first packet is a SYN: --syn and SYN flag tests hold for it.
      if (o.name === '--syn' || o.name === '--tcp-flags') return () => true;
      return undefined;
    },
    (o) => assumeOption(m, o),
  );
  return (c) => c.p.proto === proto && opts(c);
}

/** Compiles one `-m NAME …` of a rule. */
export function compileMatch(m: Extension, rule: Rule): Matcher {
  const make = MATCHES[m.name];
  if (make) return make(m, rule);
  return (c) => {
    assume(c.ev, `-m ${m.name} is not modelled by knet: taken as matching`);
    return true;
  };
}

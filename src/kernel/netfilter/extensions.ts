// What iptables knows about its match and target extensions: which options each takes (and how
// many words each option consumes), and how the kernel's copy of a rule is printed back by
// iptables-save (canonical option order, normalised numbers). Extensions not listed here still
// parse (their options keep every following non-option word) and print back as written.
import type { Family } from '../../net/ip.js';
import { saveString } from './words.js';

/** One option of an extension as written: `[!] --name args…`. */
export interface Option {
  name: string;
  negate: boolean;
  args: string[];
}

/** A match (`-m NAME …`) or a target (`-j NAME …`) with its options. */
export interface Extension {
  name: string;
  options: Option[];
}

interface ExtensionDef {
  /** Option (and alias) → [canonical name, number of argument words]. */
  options: Record<string, readonly [string, number]>;
  /** The options as iptables-save prints them (each piece starting with a space). */
  save?: (opts: Option[], family: Family) => string;
}

function opt(o: Option, args = o.args): string {
  return `${o.negate ? ' !' : ''} ${o.name}${args.length ? ' ' + args.join(' ') : ''}`;
}

/** Options in the kernel's print order; options not in `order` keep their relative order after. */
function inOrder(opts: Option[], order: string[]): Option[] {
  const rank = (o: Option): number => {
    const i = order.indexOf(o.name);
    return i < 0 ? order.length : i;
  };
  return opts.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}

function ordered(order: string[]): (opts: Option[]) => string {
  return (opts) => inOrder(opts, order).map((o) => opt(o)).join('');
}

/** strtoul(…, 0): decimal, 0x hex or 0 octal. */
export function parseU32(s: string): number | undefined {
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(s)) v = parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) v = parseInt(s, 8);
  else if (/^[1-9]\d*$/.test(s)) v = Number(s);
  else return undefined;
  return v <= 0xffffffff ? v : undefined;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** `value[/mask]` as the mark match stores it. */
function markValue(arg: string): { value: number; mask: number } {
  const [v, m] = arg.split('/');
  return { value: parseU32(v ?? '') ?? 0, mask: m === undefined ? 0xffffffff : (parseU32(m) ?? 0xffffffff) };
}

/**
 * statistic's probability: the kernel keeps round(p × 2^31) and iptables-save prints it with 11
 * decimals (printf %.11f: exact value, ties to even).
 */
export function saveProbability(p: string): string {
  const k = BigInt(Math.round(Number(p) * 0x80000000));
  const scaled = k * 10n ** 11n;
  const den = 0x80000000n;
  let q = scaled / den;
  const r = scaled % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(12, '0');
  return `${s.slice(0, -11)}.${s.slice(-11)}`;
}

const CT_STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

const PORT_OPTS = {
  '--sport': ['--sport', 1],
  '--source-port': ['--sport', 1],
  '--dport': ['--dport', 1],
  '--destination-port': ['--dport', 1],
} as const;

const MATCHES: Record<string, ExtensionDef> = {
  comment: { options: { '--comment': ['--comment', 1] }, save: (os) => os.map((o) => ` --comment ${saveString(o.args[0] ?? '')}`).join('') },
  tcp: {
    options: { ...PORT_OPTS, '--tcp-flags': ['--tcp-flags', 2], '--syn': ['--syn', 0], '--tcp-option': ['--tcp-option', 1] },
    save: (os) =>
      inOrder(os, ['--sport', '--dport', '--tcp-flags', '--syn', '--tcp-option'])
        .map((o) => (o.name === '--syn' ? opt({ ...o, name: '--tcp-flags' }, ['FIN,SYN,RST,ACK', 'SYN']) : opt(o)))
        .join(''),
  },
  udp: { options: PORT_OPTS, save: ordered(['--sport', '--dport']) },
  sctp: { options: { ...PORT_OPTS, '--chunk-types': ['--chunk-types', 2] }, save: ordered(['--sport', '--dport', '--chunk-types']) },
  icmp: { options: { '--icmp-type': ['--icmp-type', 1] } },
  icmp6: { options: { '--icmpv6-type': ['--icmpv6-type', 1] } },
  addrtype: {
    options: { '--src-type': ['--src-type', 1], '--dst-type': ['--dst-type', 1], '--limit-iface-in': ['--limit-iface-in', 0], '--limit-iface-out': ['--limit-iface-out', 0] },
    save: ordered(['--src-type', '--dst-type', '--limit-iface-in', '--limit-iface-out']),
  },
  statistic: {
    options: { '--mode': ['--mode', 1], '--probability': ['--probability', 1], '--every': ['--every', 1], '--packet': ['--packet', 1] },
    save: (os) => {
      const get = (n: string): Option | undefined => os.find((o) => o.name === n);
      const mode = get('--mode')?.args[0] ?? 'random';
      const neg = os.some((o) => o.negate && o.name !== '--mode') ? ' !' : '';
      if (mode === 'random') return ` --mode random${neg} --probability ${saveProbability(get('--probability')?.args[0] ?? '0')}`;
      return ` --mode nth${neg} --every ${get('--every')?.args[0] ?? '0'}${get('--packet') ? ` --packet ${get('--packet')!.args[0]}` : ''}`;
    },
  },
  recent: {
    options: Object.fromEntries(
      [['--name', 1], ['--set', 0], ['--rcheck', 0], ['--update', 0], ['--remove', 0], ['--seconds', 1], ['--reap', 0], ['--hitcount', 1], ['--rttl', 0], ['--mask', 1], ['--rsource', 0], ['--rdest', 0]].map(
        ([n, a]) => [n as string, [n as string, a as number] as const],
      ),
    ),
    save: (os, family) => {
      const has = (n: string): Option | undefined => os.find((o) => o.name === n);
      let s = os.some((o) => o.negate) ? ' !' : '';
      for (const n of ['--set', '--rcheck', '--update', '--remove']) if (has(n)) s += ` ${n}`;
      if (has('--seconds')) s += ` --seconds ${has('--seconds')!.args[0]}`;
      if (has('--reap')) s += ' --reap';
      if (has('--hitcount')) s += ` --hitcount ${has('--hitcount')!.args[0]}`;
      if (has('--rttl')) s += ' --rttl';
      s += ` --name ${has('--name')?.args[0] ?? 'DEFAULT'}`;
      s += ` --mask ${has('--mask')?.args[0] ?? (family === 4 ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')}`;
      s += has('--rdest') ? ' --rdest' : ' --rsource';
      return s;
    },
  },
  mark: {
    options: { '--mark': ['--mark', 1] },
    save: (os) =>
      os
        .map((o) => {
          const { value, mask } = markValue(o.args[0] ?? '0');
          return opt(o, [mask === 0xffffffff ? hex(value) : `${hex(value)}/${hex(mask)}`]);
        })
        .join(''),
  },
  conntrack: {
    options: Object.fromEntries(
      ['--ctstate', '--ctproto', '--ctorigsrc', '--ctorigdst', '--ctreplsrc', '--ctrepldst', '--ctorigsrcport', '--ctorigdstport', '--ctreplsrcport', '--ctrepldstport', '--ctstatus', '--ctexpire', '--ctdir'].map(
        (n) => [n, [n, 1] as const],
      ),
    ),
    save: (os) =>
      inOrder(os, ['--ctstate', '--ctproto', '--ctorigsrc', '--ctorigdst', '--ctreplsrc', '--ctrepldst', '--ctorigsrcport', '--ctorigdstport', '--ctreplsrcport', '--ctrepldstport', '--ctstatus', '--ctexpire', '--ctdir'])
        .map((o) => {
          if (o.name !== '--ctstate') return opt(o);
          const states = (o.args[0] ?? '').split(',').map((x) => x.toUpperCase());
          return opt(o, [[...CT_STATES.filter((x) => states.includes(x)), ...states.filter((x) => !CT_STATES.includes(x))].join(',')]);
        })
        .join(''),
  },
  state: { options: { '--state': ['--state', 1] } },
  nfacct: { options: { '--nfacct-name': ['--nfacct-name', 1] }, save: (os) => os.map((o) => ` --nfacct-name  ${o.args[0] ?? ''}`).join('') },
  multiport: {
    options: { '--dports': ['--dports', 1], '--destination-ports': ['--dports', 1], '--sports': ['--sports', 1], '--source-ports': ['--sports', 1], '--ports': ['--ports', 1] },
  },
  set: { options: { '--match-set': ['--match-set', 2], '--return-nomatch': ['--return-nomatch', 0], '--update-counters': ['--update-counters', 0], '--update-subcounters': ['--update-subcounters', 0] } },
  physdev: {
    options: Object.fromEntries(
      [['--physdev-in', 1], ['--physdev-out', 1], ['--physdev-is-in', 0], ['--physdev-is-out', 0], ['--physdev-is-bridged', 0]].map(([n, a]) => [n as string, [n as string, a as number] as const]),
    ),
  },
};

const NAT_OPTS = { '--random': ['--random', 0], '--random-fully': ['--random-fully', 0], '--persistent': ['--persistent', 0] } as const;

const TARGETS: Record<string, ExtensionDef> = {
  ACCEPT: { options: {} },
  DROP: { options: {} },
  RETURN: { options: {} },
  DNAT: { options: { '--to-destination': ['--to-destination', 1], '--to': ['--to-destination', 1], ...NAT_OPTS }, save: ordered(['--to-destination', '--random', '--random-fully', '--persistent']) },
  SNAT: { options: { '--to-source': ['--to-source', 1], '--to': ['--to-source', 1], ...NAT_OPTS }, save: ordered(['--to-source', '--random', '--random-fully', '--persistent']) },
  MASQUERADE: { options: { '--to-ports': ['--to-ports', 1], '--random': ['--random', 0], '--random-fully': ['--random-fully', 0] }, save: ordered(['--to-ports', '--random', '--random-fully']) },
  REDIRECT: { options: { '--to-ports': ['--to-ports', 1], '--random': ['--random', 0] } },
  REJECT: {
    options: { '--reject-with': ['--reject-with', 1] },
    save: (os, family) => ` --reject-with ${os.find((o) => o.name === '--reject-with')?.args[0] ?? (family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable')}`,
  },
  MARK: {
    options: Object.fromEntries(['--set-xmark', '--set-mark', '--or-mark', '--and-mark', '--xor-mark'].map((n) => [n, [n, 1] as const])),
    save: (os) =>
      os
        .map((o) => {
          const a = o.args[0] ?? '0';
          const v = parseU32(a.split('/')[0]!) ?? 0;
          let value: number;
          let mask: number;
          if (o.name === '--or-mark') [value, mask] = [v, v];
          else if (o.name === '--xor-mark') [value, mask] = [v, 0];
          else if (o.name === '--and-mark') [value, mask] = [0, ~v >>> 0];
          else ({ value, mask } = markValue(a));
          return ` --set-xmark ${hex(value)}/${hex(mask)}`;
        })
        .join(''),
  },
  LOG: { options: { '--log-prefix': ['--log-prefix', 1], '--log-level': ['--log-level', 1] } },
};

export type ExtensionKind = 'match' | 'target';

function defOf(kind: ExtensionKind, name: string): ExtensionDef | undefined {
  return (kind === 'match' ? MATCHES : TARGETS)[name];
}

/** Whether the extension is one iptables knows here (unknown ones are parsed generically). */
export function isKnown(kind: ExtensionKind, name: string): boolean {
  return defOf(kind, name) !== undefined;
}

/** [canonical name, arity] of `option` for the extension; undefined when it does not take it. */
export function optionOf(kind: ExtensionKind, name: string, option: string): readonly [string, number] | undefined {
  return defOf(kind, name)?.options[option];
}

/** The extension's options as iptables-save prints them. */
export function saveOptions(kind: ExtensionKind, ext: Extension, family: Family): string {
  const def = defOf(kind, ext.name);
  if (def?.save) return def.save(ext.options, family);
  return ext.options.map((o) => opt(o, o.args.map((a) => (/[\s"]/.test(a) ? saveString(a) : a)))).join('');
}

/** Targets iptables provides itself (anything else after -j must be a chain of the table). */
export const BUILTIN_TARGETS: ReadonlySet<string> = new Set(
  ('ACCEPT DROP RETURN QUEUE AUDIT CHECKSUM CLASSIFY CLUSTERIP CONNMARK CONNSECMARK CT DNAT DNPT DSCP ECN HL HMARK IDLETIMER ' +
    'LED LOG MARK MASQUERADE MIRROR NETMAP NFLOG NFQUEUE NOTRACK RATEEST REDIRECT REJECT SAME SECMARK SET SNAT SNPT SYNPROXY ' +
    'TCPMSS TCPOPTSTRIP TEE TOS TPROXY TRACE TTL ULOG').split(' '),
);

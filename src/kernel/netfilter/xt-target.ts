// The targets the evaluator models, compiled once per rule into what the chain walk does next.
// Non-terminating targets that do not change the path (TCPMSS, CHECKSUM, TOS, TTL, LOG, …) go
// on to the next rule with a note; a target knet does not model is said, never guessed.
import { ipFamily } from '../../net/ip.js';
import type { NatRequest } from '../hooks.js';
import { BUILTIN_TARGETS, parseU32, type Option } from './extensions.js';
import type { Target } from './rule.js';

export type Action =
  | { do: 'verdict'; verdict: 'accept' | 'drop' | 'reject' }
  | { do: 'return' }
  | { do: 'chain'; chain: string; goto: boolean }
  | { do: 'nat'; nat: Omit<NatRequest, 'by'> }
  | { do: 'mark'; apply: (mark: number) => number }
  | { do: 'connmark'; apply: (packetMark: number, ctMark: number) => { mark: number; ctMark: number } }
  | { do: 'notrack' }
  | { do: 'continue'; note?: string }
  /** A terminating target knet does not model: the packet is taken as accepted, with a note. */
  | { do: 'assume-accept'; note: string };

/** [value, mask] of an xmark option (`--set-xmark V/M`, `--set-mark`, `--or-mark`…). */
function xmark(o: Option): [number, number] {
  const a = o.args[0] ?? '0';
  const [v, m] = a.split('/');
  const value = parseU32(v ?? '') ?? 0;
  switch (o.name) {
    case '--or-mark':
      return [value, value];
    case '--xor-mark':
      return [value, 0];
    case '--and-mark':
      return [0, ~value >>> 0];
    default:
      return [value, m === undefined ? 0xffffffff : (parseU32(m) ?? 0xffffffff)];
  }
}

/** (mark & ~mask) ^ value: the kernel's xt_mark / xt_connmark arithmetic. */
function applyXmark(mark: number, [value, mask]: [number, number]): number {
  return ((mark & ~mask) ^ value) >>> 0;
}

function natTo(arg: string): { addr?: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?/.exec(arg);
  if (v6) return { addr: v6[1]!, ...(v6[2] ? { port: Number(v6[2]) } : {}) };
  if (ipFamily(arg) === 6) return { addr: arg };
  const [addr, port] = arg.split(':');
  return { ...(addr ? { addr: addr.split('-')[0]! } : {}), ...(port ? { port: Number(port.split('-')[0]) } : {}) };
}

/** Targets that change nothing on the packet's path (they clamp, log, or rewrite fields knet does not follow). */
const PASS_THROUGH: Record<string, string> = {
  TCPMSS: 'TCPMSS clamps the SYN\'s MSS option; the path is unchanged',
  CHECKSUM: 'CHECKSUM fills in the checksum; the path is unchanged',
  TOS: 'TOS rewrites the TOS field; the path is unchanged',
  DSCP: 'DSCP rewrites the DSCP field; the path is unchanged',
  TTL: 'TTL rewrites the TTL; knet keeps counting its own hops',
  HL: 'HL rewrites the hop limit; knet keeps counting its own hops',
  ECN: 'ECN rewrites ECN bits; the path is unchanged',
  LOG: '',
  NFLOG: '',
  TRACE: '',
  AUDIT: '',
  CLASSIFY: 'CLASSIFY sets the traffic class; the path is unchanged',
  SECMARK: 'SECMARK sets the security mark; the path is unchanged',
  CONNSECMARK: 'CONNSECMARK copies the security mark; the path is unchanged',
  IDLETIMER: '',
  LED: '',
  RATEEST: '',
};

export function compileTarget(t: Target): Action {
  const opt = (n: string): Option | undefined => t.options.find((o) => o.name === n);
  switch (t.name) {
    case 'ACCEPT':
      return { do: 'verdict', verdict: 'accept' };
    case 'DROP':
      return { do: 'verdict', verdict: 'drop' };
    case 'REJECT':
      return { do: 'verdict', verdict: 'reject' };
    case 'RETURN':
      return { do: 'return' };
    case 'DNAT':
    case 'SNAT': {
      const to = natTo(opt(t.name === 'DNAT' ? '--to-destination' : '--to-source')?.args[0] ?? '');
      return { do: 'nat', nat: { kind: t.name, ...to, randomFully: !!opt('--random-fully') } };
    }
    case 'MASQUERADE':
    case 'REDIRECT': {
      const ports = opt('--to-ports')?.args[0];
      return { do: 'nat', nat: { kind: t.name, ...(ports ? { port: Number(ports.split('-')[0]) } : {}), randomFully: !!opt('--random-fully') } };
    }
    case 'MARK': {
      const ops = t.options.map(xmark);
      return { do: 'mark', apply: (m) => ops.reduce(applyXmark, m) };
    }
    case 'CONNMARK': {
      const save = opt('--save-mark');
      const restore = opt('--restore-mark');
      const set = t.options.find((o) => ['--set-xmark', '--set-mark', '--or-mark', '--and-mark', '--xor-mark'].includes(o.name));
      const maskOf = (o: Option | undefined): number => parseU32(t.options.find((x) => x.name === '--mask')?.args[0] ?? (o?.args[0]?.split('/')[1] ?? '0xffffffff')) ?? 0xffffffff;
      if (save) return { do: 'connmark', apply: (m, c) => ({ mark: m, ctMark: ((c & ~maskOf(save)) | (m & maskOf(save))) >>> 0 }) };
      if (restore) return { do: 'connmark', apply: (m, c) => ({ mark: ((m & ~maskOf(restore)) | (c & maskOf(restore))) >>> 0, ctMark: c }) };
      if (set) return { do: 'connmark', apply: (m, c) => ({ mark: m, ctMark: applyXmark(c, xmark(set)) }) };
      return { do: 'continue', note: 'CONNMARK without an operation changes nothing' };
    }
    case 'NOTRACK':
      return { do: 'notrack' };
    case 'CT':
      if (opt('--notrack')) return { do: 'notrack' };
      return { do: 'continue', note: `CT ${t.options.map((o) => o.name).join(' ')} (conntrack helpers/zones/timeouts) is not modelled: the connection is tracked as usual` };
    default: {
      if (t.name in PASS_THROUGH) {
        const note = PASS_THROUGH[t.name]!;
        return note ? { do: 'continue', note } : { do: 'continue' };
      }
      if (BUILTIN_TARGETS.has(t.name)) return { do: 'assume-accept', note: `-j ${t.name} is not modelled by knet: the packet is taken as accepted here` };
      return { do: 'chain', chain: t.name, goto: t.goto };
    }
  }
}

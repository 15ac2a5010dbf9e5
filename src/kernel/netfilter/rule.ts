// One netfilter rule: where it sits (table, chain), the words it was written with, and
// its parsed form (address/protocol/interface matches, match extensions in order, the target)
// from which the iptables-save text is printed. An evaluator walks `spec`.
import { parseCIDR, type Family } from '../../net/ip.js';
import { isKnown, optionOf, saveOptions, type Extension, type Option } from './extensions.js';
import { splitWords } from './words.js';

export interface Negatable {
  value: string;
  negate: boolean;
}

export interface Target extends Extension {
  /** -g (goto) instead of -j: a RETURN from the called chain returns past this chain too. */
  goto: boolean;
}

export interface RuleSpec {
  /** Canonical `network/prefix` (host addresses get /32 or /128). */
  source?: Negatable;
  destination?: Negatable;
  /** Lower-case protocol name (tcp, udp, sctp, icmp, …). */
  protocol?: Negatable;
  inInterface?: Negatable;
  outInterface?: Negatable;
  fragment?: { negate: boolean };
  /** Match extensions in the order they were loaded (`-m NAME` or implied by `-p`). */
  matches: Extension[];
  /** Absent for a rule without -j/-g (it only counts packets). */
  target?: Target;
}

/** Thrown for a rule iptables would refuse; the caller adds file and line. */
export class RuleSyntaxError extends Error {}

const PROTOCOL_NUMBERS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'ipv6-icmp', '132': 'sctp' };
const PORT_PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

function address(text: string, family: Family, option: string): string {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  let mask = slash < 0 ? String(family === 4 ? 32 : 128) : text.slice(slash + 1);
  if (mask.includes('.')) {
    // dotted netmask (255.255.255.0): count its bits
    const bits = mask.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    mask = String(32 - Math.log2(2 ** 32 - bits));
  }
  const c = parseCIDR(`${ip}/${mask}`, true);
  if (!c || c.family !== family) throw new RuleSyntaxError(`${option}: "${text}" is not an IPv${family} address or network`);
  return `${c.network}/${c.prefix}`;
}

/** Parses the words after `-A CHAIN` the way iptables does (any order, `!` before what it negates). */
export function parseRuleWords(words: string[], family: Family): RuleSpec {
  const spec: RuleSpec = { matches: [] };
  let negate = false;
  let i = 0;
  const next = (what: string): string => {
    const v = words[++i];
    if (v === undefined) throw new RuleSyntaxError(`option "${what}" requires an argument`);
    return v;
  };
  const take = (w: string): Negatable => {
    const n = { value: next(w), negate };
    negate = false;
    return n;
  };
  for (; i < words.length; i++) {
    const w = words[i]!;
    switch (w) {
      case '!':
        negate = true;
        continue;
      case '-s':
      case '--source':
      case '--src': {
        const n = take(w);
        spec.source = { value: address(n.value, family, w), negate: n.negate };
        continue;
      }
      case '-d':
      case '--destination':
      case '--dst': {
        const n = take(w);
        spec.destination = { value: address(n.value, family, w), negate: n.negate };
        continue;
      }
      case '-p':
      case '--protocol': {
        const n = take(w);
        const p = n.value.toLowerCase();
        spec.protocol = { value: PROTOCOL_NUMBERS[p] ?? p, negate: n.negate };
        continue;
      }
      case '-i':
      case '--in-interface':
        spec.inInterface = take(w);
        continue;
      case '-o':
      case '--out-interface':
        spec.outInterface = take(w);
        continue;
      case '-f':
      case '--fragment':
        spec.fragment = { negate };
        negate = false;
        continue;
      case '-m':
      case '--match':
        spec.matches.push({ name: next(w), options: [] });
        continue;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto':
        if (spec.target) throw new RuleSyntaxError('more than one target');
        spec.target = { name: next(w), goto: w === '-g' || w === '--goto', options: [] };
        continue;
    }
    if (!w.startsWith('-')) throw new RuleSyntaxError(`unexpected argument "${w}"`);
    // An extension option: the target's if it takes it, else the newest loaded match that does,
    // else the protocol's own match (iptables loads `-m tcp` implicitly for `-p tcp --dport`).
    let owner: Extension | undefined;
    let def: readonly [string, number] | undefined;
    if (spec.target && (def = optionOf('target', spec.target.name, w) ?? (isKnown('target', spec.target.name) ? undefined : [w, -1]))) owner = spec.target;
    for (let m = spec.matches.length - 1; !owner && m >= 0; m--) {
      const ext = spec.matches[m]!;
      def = optionOf('match', ext.name, w) ?? (isKnown('match', ext.name) ? undefined : [w, -1]);
      if (def) owner = ext;
    }
    if (!owner && spec.protocol && PORT_PROTOCOLS.has(spec.protocol.value) && (def = optionOf('match', spec.protocol.value, w))) {
      owner = { name: spec.protocol.value, options: [] };
      spec.matches.push(owner);
    }
    if (!owner || !def) throw new RuleSyntaxError(`unknown option "${w}"`);
    const args: string[] = [];
    if (def[1] >= 0) for (let k = 0; k < def[1]; k++) args.push(next(w));
    else while (i + 1 < words.length && !words[i + 1]!.startsWith('-') && words[i + 1] !== '!') args.push(words[++i]!);
    const o: Option = { name: def[0], negate, args };
    negate = false;
    owner.options.push(o);
  }
  if (negate) throw new RuleSyntaxError('"!" not followed by an option');
  return spec;
}

function neg(n: Negatable | { negate: boolean }): string {
  return n.negate ? '! ' : '';
}

/** The rule's arguments as iptables-save prints them (after `-A CHAIN`). */
export function saveRuleText(spec: RuleSpec, family: Family): string {
  let s = '';
  if (spec.source) s += ` ${neg(spec.source)}-s ${spec.source.value}`;
  if (spec.destination) s += ` ${neg(spec.destination)}-d ${spec.destination.value}`;
  if (spec.inInterface) s += ` ${neg(spec.inInterface)}-i ${spec.inInterface.value}`;
  if (spec.outInterface) s += ` ${neg(spec.outInterface)}-o ${spec.outInterface.value}`;
  if (spec.protocol && spec.protocol.value !== 'all') s += ` ${neg(spec.protocol)}-p ${spec.protocol.value}`;
  if (spec.fragment) s += ` ${neg(spec.fragment)}-f`;
  for (const m of spec.matches) s += ` -m ${m.name}${saveOptions('match', m, family)}`;
  if (spec.target) s += ` ${spec.target.goto ? '-g' : '-j'} ${spec.target.name}${saveOptions('target', spec.target, family)}`;
  return s.slice(1);
}

/**
 * A rule of one chain (its place is its index there: a generated rule can sit in the same chain
 * of many nodes' rulesets, at different places). `text` holds the arguments after `-A CHAIN` exactly as they were written
 * (kube-proxy's restore words, or a dump's line); the parsed form and the save text are
 * computed on first use, so large generated rulesets cost only their text until read.
 */
/** What printing a rule in an entry chain computed once (restore.ts): its sort key, whether it must stay last, its line. */
export interface PrintMemo {
  key: string;
  last: boolean;
  line: string | undefined;
}

export class Rule {
  /** [packets, bytes] as `iptables-save -c` printed them, for a rule read from such a dump. */
  counters?: [number, number];
  /** The restore printer's memo for this rule (restore.ts). */
  printed?: PrintMemo;
  /** The chain group (ChainGroup id) holding the chain this rule jumps to, where the writer knows it. */
  group?: string;
  private parsed?: RuleSpec;
  private saved?: string;

  constructor(
    readonly table: string,
    readonly chain: string,
    readonly text: string,
    readonly family: Family,
    spec?: RuleSpec,
  ) {
    this.parsed = spec;
  }

  /** Parses `text` now; throws RuleSyntaxError when iptables would refuse it. */
  static parse(table: string, chain: string, text: string, family: Family): Rule {
    const words = splitWords(text);
    if (!words) throw new RuleSyntaxError('unterminated quote');
    return new Rule(table, chain, text, family, parseRuleWords(words, family));
  }

  get spec(): RuleSpec {
    if (!this.parsed) this.parsed = parseRuleWords(splitWords(this.text) ?? [], this.family);
    return this.parsed;
  }

  /** The arguments as iptables-save prints them. */
  get saveText(): string {
    this.saved ??= saveRuleText(this.spec, this.family);
    return this.saved;
  }

  /** The chain this rule jumps or goes to, or the built-in verdict/target name. */
  get targetName(): string | undefined {
    return this.spec.target?.name;
  }
}

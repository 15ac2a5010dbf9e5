// One xtables chain: its policy and rules. Rules can be held as the restore lines that wrote
// them, or as a source that derives them when read (a generator's entry chain of 10,000
// Services), so a chain nobody reads costs no Rule objects.
import type { Family } from '../../net/ip.js';
import { Rule } from './rule.js';

/**
 * A chain's rules as the restore lines that write them (`-A NAME args` each, newline-ended), as
 * a generator produces them: they become Rule objects only when something reads the chain.
 */
export interface ChainLines {
  readonly table: string;
  readonly family: Family;
  readonly text: string;
  readonly count: number;
}

/**
 * A chain's rules as something derives them on demand: how many there are, one rule by its
 * 0-based place, all of them (the same list every time), and for a walk the first place at or
 * after `from` whose rule can match a packet to `dst` on its destination (every rule between
 * fails on -d: the evaluator counts them as walked). Never changes once given to a chain.
 */
export interface RuleSource {
  readonly count: number;
  at(i: number): Rule;
  all(): readonly Rule[];
  next(from: number, dst: string): number;
}

// Shared by every chain that has no rules / no counters of its own (100,000 chains are common):
// never changed in place, a chain gets its own list when it is first edited.
const NO_RULES: Rule[] = [];
const NO_COUNTERS: [number, number] = [0, 0];

export class Chain {
  private list: Rule[] = NO_RULES;
  private pending?: ChainLines;
  /** While set (and the chain unedited), the rules come from it: `list` is its `all()` once read. */
  private source?: RuleSource;
  private rev = 0;

  constructor(
    readonly name: string,
    /** ACCEPT/DROP for a built-in chain, '-' for a user chain. */
    public policy: string,
    /** Replaced, never changed in place. */
    public counters: [number, number] = NO_COUNTERS,
  ) {}

  get builtin(): boolean {
    return this.policy !== '-';
  }

  get rules(): readonly Rule[] {
    if (this.pending) this.materialize();
    else if (this.source && this.list === NO_RULES) this.list = this.source.all() as Rule[];
    return this.list;
  }

  /** How many rules the chain holds (without reading them). */
  get size(): number {
    return this.pending ? this.pending.count : this.source ? this.source.count : this.list.length;
  }

  /** The rule at a 0-based place, reading no more of a source than that rule. */
  ruleAt(i: number): Rule | undefined {
    if (this.source) return i < this.source.count ? this.source.at(i) : undefined;
    return this.rules[i];
  }

  /** The source the rules come from, while they do. */
  get ruleSource(): RuleSource | undefined {
    return this.source;
  }

  /** The chain's restore lines while it still holds them as text. */
  get lines(): ChainLines | undefined {
    return this.pending;
  }

  /** Changes with every edit of the rule list (what caches of a chain's compiled form key on). */
  get revision(): number {
    return this.rev;
  }

  append(rule: Rule): void {
    this.own().push(rule);
    this.rev++;
  }

  /** Inserts at a 1-based position (iptables -I). */
  insert(rule: Rule, position = 1): void {
    this.own().splice(position - 1, 0, rule);
    this.rev++;
  }

  delete(position: number): void {
    this.own().splice(position - 1, 1);
    this.rev++;
  }

  /** Replaces every rule (a restore's flush + appends). */
  setRules(rules: Rule[]): void {
    this.pending = undefined;
    this.source = undefined;
    this.list = rules;
    this.rev++;
  }

  /** Replaces every rule with the ones these restore lines write (read when first needed). */
  setLines(lines: ChainLines): void {
    this.pending = lines.count ? lines : undefined;
    this.source = undefined;
    this.list = NO_RULES;
    this.rev++;
  }

  /** Replaces every rule with the ones the source derives (read when needed). */
  setSource(source: RuleSource): void {
    this.pending = undefined;
    this.source = source;
    this.list = NO_RULES;
    this.rev++;
  }

  flush(): void {
    this.pending = undefined;
    this.source = undefined;
    this.list = NO_RULES;
    this.rev++;
  }

  /** The rule list, the chain's own, for an edit. */
  private own(): Rule[] {
    if (this.pending) this.materialize();
    if (this.source) {
      // the source's list is shared: the chain's own copy from here on
      this.list = this.source.all().slice();
      this.source = undefined;
    }
    if (this.list === NO_RULES) this.list = [];
    return this.list;
  }

  private materialize(): void {
    const { table, family, text, count } = this.pending!;
    this.pending = undefined;
    const skip = this.name.length + 4; // `-A NAME `
    const list: Rule[] = new Array(count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const end = text.indexOf('\n', at);
      list[i] = new Rule(table, this.name, text.slice(at + skip, end), family);
      at = end + 1;
    }
    this.list = list;
  }
}


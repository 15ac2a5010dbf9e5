// A network namespace's iptables state for one family: tables → chains → rules, as the kernel
// holds it. Also the shape of an iptables-restore input (a partial set of chains to rewrite,
// plus chains to delete), so one model serves the generator, the parser and the evaluator.
import type { Family } from '../../net/ip.js';
import { Rule } from './rule.js';

export type TableName = 'raw' | 'mangle' | 'filter' | 'nat' | 'security';

/** Built-in chains per table, in the order iptables-save lists them. */
export const BUILTIN_CHAINS: Record<TableName, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** The order iptables-save (nf_tables backend) prints the tables that exist. */
export const TABLE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

export function isTableName(s: string): s is TableName {
  return Object.prototype.hasOwnProperty.call(BUILTIN_CHAINS, s);
}

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

// Shared by every chain that has no rules / no counters of its own (100,000 chains are common):
// never changed in place, a chain gets its own list when it is first edited.
const NO_RULES: Rule[] = [];
const NO_COUNTERS: [number, number] = [0, 0];

export class Chain {
  private list: Rule[] = NO_RULES;
  private pending?: ChainLines;
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
    return this.list;
  }

  /** How many rules the chain holds (without reading them). */
  get size(): number {
    return this.pending ? this.pending.count : this.list.length;
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
    this.list = rules;
    this.rev++;
  }

  /** Replaces every rule with the ones these restore lines write (read when first needed). */
  setLines(lines: ChainLines): void {
    this.pending = lines.count ? lines : undefined;
    this.list = NO_RULES;
    this.rev++;
  }

  flush(): void {
    this.pending = undefined;
    this.list = NO_RULES;
    this.rev++;
  }

  /** The rule list, the chain's own, for an edit. */
  private own(): Rule[] {
    if (this.pending) this.materialize();
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

export class Table {
  readonly chains = new Map<string, Chain>();
  /** Restore input only: chains the input deletes (`-X NAME`), in order. */
  readonly deletions: string[] = [];

  constructor(
    readonly name: TableName,
    withBuiltins: boolean,
  ) {
    if (withBuiltins) for (const c of BUILTIN_CHAINS[name]) this.chains.set(c, new Chain(c, 'ACCEPT'));
  }

  chain(name: string): Chain | undefined {
    return this.chains.get(name);
  }

  /** The chain, created as a user chain if missing (iptables -N without the error). */
  ensureChain(name: string): Chain {
    let c = this.chains.get(name);
    if (!c) {
      c = new Chain(name, '-');
      this.chains.set(name, c);
    }
    return c;
  }
}

/**
 * Tables of one family. `kind` says whether this is a kernel's state (tables come with their
 * built-in chains) or an iptables-restore input (only the chains it declares).
 */
export class Ruleset {
  readonly tables = new Map<TableName, Table>();

  constructor(
    readonly family: Family,
    readonly kind: 'kernel' | 'restore' = 'kernel',
  ) {}

  table(name: TableName): Table {
    let t = this.tables.get(name);
    if (!t) {
      t = new Table(name, this.kind === 'kernel');
      this.tables.set(name, t);
    }
    return t;
  }

  /** Tables in iptables-save's order. */
  orderedTables(): Table[] {
    return TABLE_ORDER.filter((n) => this.tables.has(n)).map((n) => this.tables.get(n)!);
  }

  /** Total rules per table and chain. */
  ruleCount(): number {
    let n = 0;
    for (const t of this.tables.values()) for (const c of t.chains.values()) n += c.size;
    return n;
  }
}

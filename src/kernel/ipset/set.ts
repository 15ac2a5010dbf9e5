// One ipset as the kernel keeps it: create options and members in the order added. Its members
// may be another set's (a shared first sync's, for many nodes) until it changes them, and may be
// known only by their texts — each checked to be a valid entry already in its canonical form —
// until something needs them parsed: a test of an exact key, a listing, a count need only the
// texts.
import type { Family } from '../../net/ip.js';
import { parseEntry, type Entry, type SetType } from './types.js';

export interface SetOptions {
  family: Family;
  hashsize: number;
  maxelem: number;
  /** bitmap:port's `range FROM-TO`. */
  range?: { from: number; to: number };
}

/** Members known by their canonical texts (keys in add order), parsed once when first needed, for every set holding them. */
export class UnparsedMembers {
  private parsed?: Map<string, Entry>;

  constructor(
    readonly type: SetType,
    readonly family: Family,
    /** Never changed once given. */
    readonly texts: ReadonlyMap<string, unknown>,
  ) {}

  entries(): Map<string, Entry> {
    if (this.parsed) return this.parsed;
    const m = new Map<string, Entry>();
    for (const text of this.texts.keys()) {
      const e = parseEntry(this.type, this.family, text);
      if (typeof e === 'string' || e.text !== text) throw new Error(`ipset member "${text}" is not a canonical ${this.type} entry`);
      m.set(text, e);
    }
    return (this.parsed = m);
  }
}

export class IpSet {
  /** Members parsed, this set's own unless `borrowed`. */
  private own?: Map<string, Entry>;
  private unparsed?: UnparsedMembers;
  /** Whether `own` is another set's too (copied before this set changes it). */
  private borrowed = false;

  constructor(
    readonly name: string,
    readonly type: SetType,
    readonly options: SetOptions,
    /** The hash's seed, chosen by the kernel at create time (printed as `initval`). */
    readonly initval: number,
  ) {
    this.own = new Map();
  }

  /** Members in the order they were added, by entry text (parsed now if they were not). */
  get members(): ReadonlyMap<string, Entry> {
    if (!this.own) this.own = this.unparsed!.entries();
    return this.own;
  }

  get size(): number {
    return this.own ? this.own.size : this.unparsed!.texts.size;
  }

  /** Whether the canonical text is a member. */
  has(text: string): boolean {
    return this.own ? this.own.has(text) : this.unparsed!.texts.has(text);
  }

  /** Member texts in add order. */
  texts(): IterableIterator<string> {
    return this.own ? this.own.keys() : this.unparsed!.texts.keys();
  }

  /** The members to change: this set's own (shared ones copied first). */
  writable(): Map<string, Entry> {
    const m = this.members as Map<string, Entry>;
    if (!this.borrowed) return m;
    this.borrowed = false;
    return (this.own = new Map(m));
  }

  /** No members, its own. */
  clear(): void {
    this.own = new Map();
    this.unparsed = undefined;
    this.borrowed = false;
  }

  /** An empty set takes another's members (that nothing changes any more) as they are, parsed or not. */
  borrow(from: IpSet): void {
    this.own = from.own;
    this.unparsed = from.unparsed;
    this.borrowed = true;
  }

  /** An empty set takes members known by their canonical texts. */
  holdUnparsed(members: UnparsedMembers): void {
    this.own = undefined;
    this.unparsed = members;
    this.borrowed = true;
  }
}

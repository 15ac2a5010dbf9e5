// The node's ipsets as the kernel keeps them: named sets with their create options and members,
// changed by the commands `ipset` sends (create, add, del, flush, destroy, with -exist), and
// tested per packet by `-m set`.
import type { HookPacket, IpsetLookup } from '../hooks.js';
import { IpSet, UnparsedMembers, type SetOptions } from './set.js';
import { entryMatches, isCanonicalEntry, parseEntry, type SetType } from './types.js';

export { IpSet, type SetOptions } from './set.js';

/** What the ipset command prints when the kernel refuses. */
export class IpsetError extends Error {}

/** A deterministic stand-in for the kernel's random initval: FNV-1a of the set name. */
function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class IpsetTable implements IpsetLookup {
  private readonly sets = new Map<string, IpSet>();
  /** Per set name, the serial of its last change (a program that writes a set can tell whether anyone else did since). */
  private readonly changed = new Map<string, number>();
  private serial = 0;

  /** A number that moves whenever the named set is created, destroyed or its members change. */
  generation(name: string): number {
    return this.changed.get(name) ?? 0;
  }

  private touch(name: string): void {
    this.changed.set(name, ++this.serial);
  }

  /** Sets in creation order (what `ipset list` / `ipset save` walk). */
  list(): IpSet[] {
    return [...this.sets.values()];
  }

  get(name: string): IpSet | undefined {
    return this.sets.get(name);
  }

  create(name: string, type: SetType, options: SetOptions, exist = false): IpSet {
    if (name.length > 31) throw new IpsetError(`ipset v7.17: Syntax error: setname '${name}' is longer than 31 characters`);
    const old = this.sets.get(name);
    if (old) {
      const same = old.type === type && JSON.stringify(old.options) === JSON.stringify(options);
      if (exist && same) return old;
      throw new IpsetError(`ipset v7.17: Set cannot be created: set with the same name already exists`);
    }
    const set = new IpSet(name, type, options, seedOf(name));
    this.sets.set(name, set);
    this.touch(name);
    return set;
  }

  private must(name: string): IpSet {
    const s = this.sets.get(name);
    if (!s) throw new IpsetError(`ipset v7.17: The set with the given name does not exist`);
    return s;
  }

  /** `ipset add`; false when the entry was there already (and -exist was given). */
  add(name: string, entry: string, exist = false): boolean {
    const s = this.must(name);
    const e = parseEntry(s.type, s.options.family, entry);
    if (typeof e === 'string') throw new IpsetError(`ipset v7.17: ${e}`);
    if (s.type === 'bitmap:port' && s.options.range) {
      const port = (e.parts[0] as { port: number }).port;
      if (port < s.options.range.from || port > s.options.range.to) throw new IpsetError('ipset v7.17: Element is out of the range of the set');
    }
    if (s.has(e.text)) {
      if (exist) return false;
      throw new IpsetError("ipset v7.17: Element cannot be added to the set: it's already added");
    }
    if (s.size >= s.options.maxelem) throw new IpsetError('ipset v7.17: Hash is full, cannot add more elements');
    s.writable().set(e.text, e);
    this.touch(name);
    return true;
  }

  /**
   * An empty set given the members of another that nothing changes any more (a shared first
   * sync's, parsed and checked once for every node): as `add` of each in its order. The members
   * are shared until this set changes.
   */
  fill(name: string, from: IpSet): void {
    const s = this.must(name);
    if (s.size) throw new Error(`set ${name} is not empty`);
    if (s.type !== from.type || JSON.stringify(s.options) !== JSON.stringify(from.options)) throw new Error(`set ${name} is not of ${from.name}'s type and options`);
    s.borrow(from);
    this.touch(name);
  }

  /**
   * An empty set given members by their texts (keys in add order, of a map nothing changes any
   * more), as `add` of each in its order would leave it, parsed only when something needs them.
   * Only when every text is an entry the set takes, already in its canonical form, and they fit;
   * false (the set untouched) otherwise, for the caller to add them one by one.
   */
  fillTexts(name: string, texts: ReadonlyMap<string, unknown>): boolean {
    const s = this.must(name);
    if (s.size) throw new Error(`set ${name} is not empty`);
    if (texts.size > s.options.maxelem) return false;
    for (const text of texts.keys()) if (!isCanonicalEntry(s.type, s.options.family, text, s.options.range)) return false;
    s.holdUnparsed(new UnparsedMembers(s.type, s.options.family, texts));
    this.touch(name);
    return true;
  }

  /** `ipset del`. */
  del(name: string, entry: string, exist = false): boolean {
    const s = this.must(name);
    const e = parseEntry(s.type, s.options.family, entry);
    if (typeof e === 'string') throw new IpsetError(`ipset v7.17: ${e}`);
    if (!s.has(e.text)) {
      if (exist) return false;
      throw new IpsetError("ipset v7.17: Element cannot be deleted from the set: it's not added");
    }
    s.writable().delete(e.text);
    this.touch(name);
    return true;
  }

  flush(name?: string): void {
    for (const s of name === undefined ? this.sets.values() : [this.must(name)]) {
      s.clear();
      this.touch(s.name);
    }
  }

  destroy(name?: string): void {
    for (const s of name === undefined ? [...this.sets.values()] : [this.must(name)]) {
      this.sets.delete(s.name);
      this.touch(s.name);
    }
  }

  has(name: string, entry: string): boolean {
    const s = this.sets.get(name);
    if (!s) return false;
    const e = parseEntry(s.type, s.options.family, entry);
    return typeof e !== 'string' && s.has(e.text);
  }

  test(name: string, dims: readonly ('src' | 'dst')[], p: HookPacket): boolean | undefined {
    const s = this.sets.get(name);
    if (!s) return undefined;
    if (s.options.family !== p.family && s.type !== 'bitmap:port') return false;
    // exact-key sets answer by lookup; sets holding networks are scanned
    if (s.type === 'hash:ip' || s.type === 'hash:ip,port' || s.type === 'hash:ip,port,ip' || s.type === 'bitmap:port') {
      const pick = (d: 'src' | 'dst' | undefined, what: 'ip' | 'port'): string =>
        what === 'ip' ? (d === 'src' ? p.src : p.dst) : String(d === 'src' ? p.sport : p.dport);
      let key: string;
      if (s.type === 'hash:ip') key = pick(dims[0], 'ip');
      else if (s.type === 'bitmap:port') key = pick(dims[0], 'port');
      else {
        key = `${pick(dims[0], 'ip')},${p.proto}:${pick(dims[1], 'port')}`;
        if (s.type === 'hash:ip,port,ip') key += `,${pick(dims[2], 'ip')}`;
      }
      if (dims.length < (s.type === 'hash:ip,port,ip' ? 3 : s.type === 'hash:ip,port' ? 2 : 1)) return false;
      return s.has(key);
    }
    for (const e of s.members.values()) if (entryMatches(e, dims, p)) return true;
    return false;
  }
}

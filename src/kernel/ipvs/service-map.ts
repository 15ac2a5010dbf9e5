// A table's virtual services by key, in the order they were added: its own, and blocks of
// services made once for many tables (a cluster-wide first sync) that it holds whole. A block's
// service is built when some table first reads it, and copied into a table before that table
// hands it out (to a change, a lookup, traffic), so the others holding the block never see it
// change. Holding a block costs a table nothing per service.
import type { Family } from '../../net/ip.js';
import { serviceKey, type ServiceSpec, type VirtualService } from './service.js';

/** What building one service takes: the service as `ipvsadm -A` gives it, then its destinations in the order added. */
export interface ServiceBuild {
  spec: ServiceSpec;
  dests: readonly { addr: string; port: number; weight: number }[];
}

/** What the kernel refuses (ipvsadm prints the message). */
export class IpvsError extends Error {}

/** Services made once for many tables: keys known up front, each service built on its first read. */
export class SharedServices {
  private readonly index = new Map<string, number>();
  private readonly built = new Map<string, VirtualService>();

  /**
   * `keys[i]` is the key of the service `make(i)` describes, `build` adds one with its
   * destinations as a table would. A key given twice is refused as its second add would be; the
   * caller has checked the rest of what the adds would refuse (a scheduler the kernel lacks).
   */
  constructor(
    readonly family: Family,
    keys: readonly string[],
    private readonly make: (i: number) => ServiceBuild,
    private readonly build: (b: ServiceBuild) => VirtualService,
  ) {
    for (let i = 0; i < keys.length; i++) {
      if (this.index.has(keys[i]!)) throw new IpvsError('Service already exists');
      this.index.set(keys[i]!, i);
    }
  }

  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  /** The shared service (never changed: a table copies it first), built on first read. */
  get(key: string): VirtualService | undefined {
    let svc = this.built.get(key);
    if (svc) return svc;
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const b = this.make(i);
    if (b.spec.family !== this.family || serviceKey(b.spec.proto, b.spec.addr, b.spec.port) !== key) throw new Error(`shared services: ${key} built as another service`);
    svc = this.build(b);
    this.built.set(key, svc);
    return svc;
  }
}

/** A block a table holds: its copies (in the block's order) and the keys it deleted. */
interface Held {
  shared: SharedServices;
  copies: Map<string, VirtualService>;
  gone: Set<string>;
}

/** The services of one table in add order; `copy` makes the table's own copy of a shared service. */
export class ServiceMap {
  /** Stretches in add order: services the table added itself, and held blocks. */
  private readonly parts: (Map<string, VirtualService> | Held)[] = [new Map()];

  constructor(private readonly copy: (svc: VirtualService) => VirtualService) {}

  /** The service under the key, the table's own (a shared one copied first). */
  get(key: string): VirtualService | undefined {
    for (const p of this.parts) {
      if (p instanceof Map) {
        const svc = p.get(key);
        if (svc) return svc;
      } else if (p.shared.has(key) && !p.gone.has(key)) {
        let svc = p.copies.get(key);
        if (!svc) p.copies.set(key, (svc = this.copy(p.shared.get(key)!)));
        return svc;
      }
    }
    return undefined;
  }

  /** The service under the key for reading only (a shared one is not copied). */
  peek(key: string): VirtualService | undefined {
    for (const p of this.parts) {
      if (p instanceof Map) {
        const svc = p.get(key);
        if (svc) return svc;
      } else if (p.shared.has(key) && !p.gone.has(key)) return p.copies.get(key) ?? p.shared.get(key);
    }
    return undefined;
  }

  has(key: string): boolean {
    for (const p of this.parts) {
      if (p instanceof Map ? p.has(key) : p.shared.has(key) && !p.gone.has(key)) return true;
    }
    return false;
  }

  /** A new key, after every other (as Map.set of a key it does not hold). */
  add(key: string, svc: VirtualService): void {
    (this.parts.at(-1) as Map<string, VirtualService>).set(key, svc);
  }

  delete(key: string): boolean {
    for (const p of this.parts) {
      if (p instanceof Map) {
        if (p.delete(key)) return true;
      } else if (p.shared.has(key) && !p.gone.has(key)) {
        p.gone.add(key);
        p.copies.delete(key);
        return true;
      }
    }
    return false;
  }

  /** A block's services after every other, as adding each in its order would place them (none of its keys is held). */
  hold(shared: SharedServices): void {
    this.parts.push({ shared, copies: new Map(), gone: new Set() }, new Map());
  }

  /** [key, service] in add order, for reading (shared ones are not copied). */
  *entries(): IterableIterator<[string, VirtualService]> {
    for (const p of this.parts) {
      if (p instanceof Map) yield* p;
      else for (const k of p.shared.keys()) if (!p.gone.has(k)) yield [k, p.copies.get(k) ?? p.shared.get(k)!];
    }
  }

  /** Keys in add order (nothing built). */
  *keys(): IterableIterator<string> {
    for (const p of this.parts) {
      if (p instanceof Map) yield* p.keys();
      else for (const k of p.shared.keys()) if (!p.gone.has(k)) yield k;
    }
  }
}

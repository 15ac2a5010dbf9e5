// The node's IPVS table: virtual services and their real servers as `ipvsadm` / netlink
// commands change them, each service's scheduler state rebuilt on every destination change as
// the kernel does, and the connection table new connections are scheduled into.
import type { Family } from '../../net/ip.js';
import { ConnTable, connKey, type ConnState, type IpvsConn } from './connections.js';
import { HASH_SCHEDULERS } from './hashing.js';
import { PLAIN_SCHEDULERS, type Pick, type Scheduler } from './schedulers.js';
import { IP_VS_SVC_F_PERSISTENT, NO_STATS, ownStats, serviceKey, type ForwardMethod, type IpvsProto, type RealServer, type ServiceSpec, type VirtualService } from './service.js';
import { IpvsError, ServiceMap, SharedServices, type ServiceBuild } from './service-map.js';

/** Schedulers the kernel has as modules; lblcr is not modelled (knet refuses it by name). */
export const SCHEDULERS: Record<string, Scheduler> = { ...PLAIN_SCHEDULERS, ...HASH_SCHEDULERS };

export { IpvsError, SharedServices, type ServiceBuild } from './service-map.js';

export interface DestSpec {
  addr: string;
  port: number;
  weight: number;
  fwd?: ForwardMethod;
}

/** A new connection's scheduling: from a persistence template or the scheduler, with every option's share. */
export interface Decision {
  svc: VirtualService;
  pick: Pick;
  /** The template that decided (sessionAffinity), if one did. */
  template?: IpvsConn;
  /** Each destination's share of new connections (the template's pick alone when one decided). */
  shares: number[];
}

/**
 * Services made once for many tables, in the order given: `make(i)` describes the one under
 * `keys[i]`, built when a table first reads it as adding it and then its destinations would
 * build it. Refused up front as those adds would refuse them (a key twice, a scheduler the
 * kernel lacks: `schedulers` names every one used); destinations are the caller's to keep unique.
 */
export function sharedServices(family: Family, keys: readonly string[], schedulers: Iterable<string>, make: (i: number) => ServiceBuild): SharedServices {
  for (const s of schedulers) schedulerOf(s);
  return new SharedServices(family, keys, make, buildService);
}

/** A service as adding it and then its destinations in order leaves it, in no table. */
function buildService(b: ServiceBuild): VirtualService {
  const svc = newService(b.spec);
  for (const d of b.dests) newDest(svc, d);
  return svc;
}

function schedulerOf(name: string): Scheduler {
  const s = SCHEDULERS[name];
  if (!s) throw new IpvsError(`Scheduler not found: ip_vs_${name}.ko${name === 'lblcr' ? ' (knet does not model lblcr)' : ''}`);
  return s;
}

function newService(spec: ServiceSpec): VirtualService {
  const sched = schedulerOf(spec.scheduler);
  // spelled out: V8 builds a spread followed by more properties on a slow path (~30x)
  const { family, proto, addr, port, scheduler, flags, timeout } = spec;
  const netmask = spec.netmask ?? (family === 4 ? 32 : 128);
  const svc: VirtualService = { family, proto, addr, port, scheduler, flags, timeout, netmask, dests: [], sched: undefined, stats: NO_STATS };
  sched.update(svc);
  return svc;
}

function newDest(svc: VirtualService, d: DestSpec): RealServer {
  if (svc.dests.some((x) => x.addr === d.addr && x.port === d.port)) throw new IpvsError('Destination already exists');
  const rs: RealServer = { addr: d.addr, port: d.port, weight: d.weight, lastWeight: d.weight, fwd: d.fwd ?? 'Masq', activeConns: 0, inactConns: 0, persistConns: 0, stats: NO_STATS };
  svc.dests.unshift(rs);
  schedulerOf(svc.scheduler).update(svc);
  return rs;
}

export class IpvsTable {
  /** By serviceKey in add order; shared blocks held whole, a service copied here when first handed out. */
  private readonly byKey = new ServiceMap((svc) => copyService(svc));
  readonly conns = new ConnTable();
  /** Services whose runtime state moved since the last fresh start. */
  private readonly touched = new Set<VirtualService>();
  /** The kernel's connection hash size (`size=` in ipvsadm's header): CONFIG_IP_VS_TAB_BITS 12. */
  readonly connTabSize = 4096;
  /** Per family, how many times services or destinations were added, edited or deleted. */
  private readonly changes = { 4: 0, 6: 0 };
  /** Per family, how many services there are. */
  private readonly sizes = { 4: 0, 6: 0 };

  /** A number that moves whenever a service or destination of the family changes (not on traffic). */
  generation(family: Family): number {
    return this.changes[family];
  }

  /** How many services of the family there are. */
  size(family: Family): number {
    return this.sizes[family];
  }

  services(): VirtualService[] {
    const out: VirtualService[] = [];
    for (const k of this.byKey.keys()) out.push(this.byKey.get(k)!);
    return out;
  }

  service(proto: IpvsProto, addr: string, port: number): VirtualService | undefined {
    return this.serviceByKey(serviceKey(proto, addr, port));
  }

  /** The service whose serviceKey is `key`. */
  serviceByKey(key: string): VirtualService | undefined {
    return this.byKey.get(key);
  }

  /** [serviceKey, service] in the order services were added, for reading (shared ones are not copied). */
  byServiceKey(): IterableIterator<[string, VirtualService]> {
    return this.byKey.entries();
  }

  /**
   * A table with no services of the family takes shared ones as its own (what adding each, with
   * its destinations in order, would leave): each is copied here when first handed out.
   */
  adopt(family: Family, shared: SharedServices): void {
    if (this.sizes[family]) throw new IpvsError(`the table has IPv${family} services already`);
    if (shared.family !== family) throw new IpvsError(`shared IPv${shared.family} services given as IPv${family}`);
    for (const key of this.byKey.keys()) if (shared.has(key)) throw new IpvsError('Service already exists');
    this.byKey.hold(shared);
    this.sizes[family] += shared.size;
    this.changes[family]++;
  }

  private must(proto: IpvsProto, addr: string, port: number): VirtualService {
    const s = this.service(proto, addr, port);
    if (!s) throw new IpvsError('No such service');
    return s;
  }

  addService(spec: ServiceSpec): VirtualService {
    const key = serviceKey(spec.proto, spec.addr, spec.port);
    if (this.byKey.has(key)) throw new IpvsError('Service already exists');
    const svc = newService(spec);
    this.byKey.add(key, svc);
    this.sizes[svc.family]++;
    this.changes[svc.family]++;
    return svc;
  }

  editService(spec: ServiceSpec): VirtualService {
    const svc = this.must(spec.proto, spec.addr, spec.port);
    const schedChanged = svc.scheduler !== spec.scheduler;
    const sched = schedulerOf(spec.scheduler);
    svc.scheduler = spec.scheduler;
    svc.flags = spec.flags;
    svc.timeout = spec.timeout;
    svc.netmask = spec.netmask ?? svc.netmask;
    if (schedChanged) {
      svc.sched = undefined;
      sched.update(svc);
    }
    this.changes[svc.family]++;
    return svc;
  }

  delService(proto: IpvsProto, addr: string, port: number): void {
    // not copied first: a shared service has no connections
    const svc = this.byKey.peek(serviceKey(proto, addr, port));
    if (!svc) throw new IpvsError('No such service');
    this.conns.forget((c) => c.svc === svc);
    this.touched.delete(svc);
    this.byKey.delete(serviceKey(proto, addr, port));
    this.sizes[svc.family]--;
    this.changes[svc.family]++;
  }

  addDest(svc: VirtualService, d: DestSpec): RealServer {
    const rs = newDest(svc, d);
    this.changes[svc.family]++;
    return rs;
  }

  editDest(svc: VirtualService, d: DestSpec): RealServer {
    const rs = svc.dests.find((x) => x.addr === d.addr && x.port === d.port);
    if (!rs) throw new IpvsError('No such destination');
    rs.weight = d.weight;
    if (d.weight > 0) rs.lastWeight = d.weight;
    if (d.fwd) rs.fwd = d.fwd;
    schedulerOf(svc.scheduler).update(svc);
    this.changes[svc.family]++;
    return rs;
  }

  delDest(svc: VirtualService, addr: string, port: number): void {
    const index = svc.dests.findIndex((x) => x.addr === addr && x.port === port);
    if (index < 0) throw new IpvsError('No such destination');
    const [dest] = svc.dests.splice(index, 1);
    this.conns.forget((c) => c.dest === dest);
    schedulerOf(svc.scheduler).update(svc, { dest: dest!, index });
    this.changes[svc.family]++;
  }

  /** The service a packet is addressed to. */
  lookup(proto: string, dst: string, dport: number): VirtualService | undefined {
    return this.serviceByKey(serviceKey(proto.toUpperCase() as IpvsProto, dst, dport));
  }

  /** The connection entry a packet belongs to (its own, not a template). */
  connection(proto: IpvsProto, src: string, sport: number, dst: string, dport: number, now: number): IpvsConn | undefined {
    return this.conns.get(connKey(proto, src, sport, dst, dport), now);
  }

  private templateOf(svc: VirtualService, src: string, now: number): IpvsConn | undefined {
    const t = this.conns.get(connKey(svc.proto, src, 0, svc.addr, svc.port), now);
    // expire_quiescent_template=1 (kube-proxy sets it): a template whose server has weight 0 is dropped
    if (t && t.dest.weight === 0) {
      this.conns.forget((c) => c === t);
      t.dest.persistConns--;
      return undefined;
    }
    return t;
  }

  /** What the kernel would give a new connection from src:sport now (nothing is changed). */
  decide(svc: VirtualService, src: string, sport: number, now: number): Decision {
    const sched = schedulerOf(svc.scheduler);
    const key = { src, sport, dst: svc.addr };
    if (svc.flags & IP_VS_SVC_F_PERSISTENT) {
      const t = this.templateOf(svc, src, now);
      if (t) {
        const left = Math.ceil((t.expires - now) / 1000);
        return {
          svc,
          template: t,
          pick: { dest: t.dest, why: `persistence template ${src} → ${t.daddr}:${t.dport} (${left} s of ${svc.timeout} s left)` },
          shares: svc.dests.map((d) => (d === t.dest ? 1 : 0)),
        };
      }
    }
    return { svc, pick: peek(sched, svc, key), shares: sched.shares(svc, key) };
  }

  /** What new connections move (entries, counters, scheduler cursors); the function puts it back. */
  saveRuntime(): () => void {
    const conns = this.conns.snapshot();
    const saved = [...this.touched].map((s) => ({ s, sched: snapshot(s.sched), stats: { ...s.stats }, dests: s.dests.map((d) => ({ d, stats: { ...d.stats } })) }));
    return () => {
      // A service first used after the snapshot was in its fresh state then.
      for (const s of this.touched) if (!saved.some((v) => v.s === s)) this.freshen(s);
      this.touched.clear();
      for (const v of saved) {
        v.s.sched = snapshot(v.sched);
        v.s.stats = { ...v.stats };
        for (const x of v.dests) x.d.stats = { ...x.stats };
        this.touched.add(v.s);
      }
      this.conns.restore(conns);
    };
  }

  /** A fresh start: no connections, zero counters, each scheduler as after its last destination change. */
  resetRuntime(): void {
    this.conns.clear();
    for (const s of this.touched) this.freshen(s);
    this.touched.clear();
  }

  private freshen(s: VirtualService): void {
    s.sched = undefined;
    schedulerOf(s.scheduler).update(s);
    s.stats = NO_STATS;
    for (const d of s.dests) d.stats = NO_STATS;
  }

  /**
   * Schedules and records a new connection to `dest` (the kernel's own pick, or the option a
   * caller enumerating paths took): the scheduler's state advances, the template is created or
   * re-armed, the counters move.
   */
  connect(svc: VirtualService, dest: RealServer, c: { src: string; sport: number; state: ConnState }, now: number): IpvsConn {
    this.touched.add(svc);
    const sched = schedulerOf(svc.scheduler);
    let control: IpvsConn | undefined;
    if (svc.flags & IP_VS_SVC_F_PERSISTENT) {
      control = this.templateOf(svc, c.src, now);
      if (control && control.dest !== dest) control = undefined;
      if (control) this.conns.touch(control, now);
      else {
        if (sched.pick(svc, { src: c.src, sport: c.sport, dst: svc.addr }).dest !== dest) alignCursor(svc, dest);
        control = this.conns.add({ proto: svc.proto, caddr: c.src, cport: 0, vaddr: svc.addr, vport: svc.port, daddr: dest.addr, dport: dest.port, state: 'NONE', template: true, svc, dest, timeout: svc.timeout }, now);
      }
    } else if (sched.pick(svc, { src: c.src, sport: c.sport, dst: svc.addr }).dest !== dest) alignCursor(svc, dest);
    ownStats(svc).conns++;
    ownStats(dest).conns++;
    return this.conns.add({ proto: svc.proto, caddr: c.src, cport: c.sport, vaddr: svc.addr, vport: svc.port, daddr: dest.addr, dport: dest.port, state: c.state, template: false, svc, dest, ...(control ? { control } : {}) }, now);
  }
}

/** A table's own copy of a shared service: its destinations copied, its scheduler state pointing at the copies. */
function copyService(svc: VirtualService): VirtualService {
  const { family, proto, addr, port, scheduler, flags, timeout, netmask } = svc;
  const to = new Map<unknown, RealServer>();
  for (const d of svc.dests) to.set(d, { addr: d.addr, port: d.port, weight: d.weight, lastWeight: d.lastWeight, fwd: d.fwd, activeConns: d.activeConns, inactConns: d.inactConns, persistConns: d.persistConns, stats: d.stats });
  const dests = [...to.values()];
  return { family, proto, addr, port, scheduler, flags, timeout, netmask, dests, sched: remapDests(svc.sched, to), stats: svc.stats };
}

/** The scheduler's pick without moving its state (rr/wrr cursors are restored). */
function peek(sched: Scheduler, svc: VirtualService, key: { src: string; sport: number; dst: string }): Pick {
  const saved = snapshot(svc.sched);
  const p = sched.pick(svc, key);
  svc.sched = saved;
  return p;
}

/** A scheduler's state (a cursor record, a bucket list, a map by address) with its destinations swapped for their copies. */
function remapDests(state: unknown, to: ReadonlyMap<unknown, RealServer>): unknown {
  const one = (v: unknown): unknown => to.get(v) ?? v;
  if (Array.isArray(state)) return state.map(one);
  if (state instanceof Map) return new Map([...state].map(([k, v]) => [k, one(v)]));
  if (state && typeof state === 'object') return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, one(v)]));
  return state;
}

function snapshot(state: unknown): unknown {
  if (state instanceof Map || Array.isArray(state)) return state;
  return state && typeof state === 'object' ? { ...state } : state;
}

/** When a caller took another option than the kernel's pick, the rr/wrr cursor follows it (as if the kernel had picked it). */
function alignCursor(svc: VirtualService, dest: RealServer): void {
  const s = svc.sched as { cursor?: RealServer; cl?: RealServer } | undefined;
  if (s && 'cursor' in s) s.cursor = dest;
  else if (s && 'cl' in s) s.cl = dest;
}

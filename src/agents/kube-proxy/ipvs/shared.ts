// What every node's IPVS full sync writes alike, made once per store and family: the desired
// state counted over every Service's plan, the ipsets' members (parsed and checked once), the
// virtual servers with their real servers, and kube-ipvs0's addresses with their local routes.
// A node's full sync starts from a copy of the desired state moved to its own plans where they
// differ (its local endpoints, its node IPs), takes the rest of the kernel's share whole into
// an empty set, table or link — each virtual server copied when that node first changes it or
// sends traffic through it — and writes what differs as a sync of every Service would.
import { sameItems } from '../../../api/same-json.js';
import type { Store } from '../../../api/store.js';
import { IpsetError, IpsetTable, type IpSet, type SetOptions } from '../../../kernel/ipset/table.js';
import type { SetType } from '../../../kernel/ipset/types.js';
import { IpvsError, sharedServices, type ServiceBuild, type SharedServices } from '../../../kernel/ipvs/table.js';
import { HostAddressBlock } from '../../../kernel/host-addresses.js';
import type { Family } from '../../../net/ip.js';
import { DesiredState } from './desired.js';
import type { ServicePlan, VirtualServerPlan } from './proxier.js';
import { SET_DEFS, setName } from './sets.js';

export class SharedSync {
  /** Each set as a sync into an empty one leaves it. */
  private readonly sets = new IpsetTable();
  readonly services: SharedServices;
  readonly addresses: HostAddressBlock;

  constructor(
    readonly family: Family,
    readonly keys: readonly string[],
    readonly plans: readonly ServicePlan[],
    /** reset() from the plans: never changed (a node changes its own clone). */
    readonly desired: DesiredState,
    setOptions: (type: SetType) => SetOptions,
    dev: string,
  ) {
    for (const d of SET_DEFS) {
      const name = setName(d.name, family);
      this.sets.create(name, d.type, setOptions(d.type));
      // parsed when first needed, if every entry is one already in its canonical form
      const texts = this.desired.entryMap(d.name);
      if (texts && !this.sets.fillTexts(name, texts)) for (const e of texts.keys()) this.sets.add(name, e, true);
    }
    // each virtual server built when a node first reads it (its real servers are unique by ip:port)
    const vss = this.desired.services(keys);
    const schedulers = new Set<string>();
    for (const vs of vss) schedulers.add(vs.scheduler);
    this.services = sharedServices(family, vss.map((vs) => vs.key), schedulers, (i) => buildOf(family, vss[i]!));
    this.addresses = new HostAddressBlock(dev, family, [...this.desired.bound()]);
  }

  /** Per set base name, the indices of the plans with entries in it (in order), made when first asked. */
  private bySet?: Map<string, number[]>;

  /** The indices of the plans with entries in the set (base name), in order. */
  plansWith(set: string): readonly number[] {
    if (!this.bySet) {
      const by = new Map<string, number[]>();
      this.plans.forEach((plan, i) => {
        for (const [name] of plan.entries) {
          let list = by.get(name);
          if (!list) by.set(name, (list = []));
          if (list.at(-1) !== i) list.push(i);
        }
      });
      this.bySet = by;
    }
    return this.bySet.get(set) ?? [];
  }

  /** A set's members as a sync of every plan into the empty set adds them. */
  set(name: string): IpSet {
    return this.sets.get(name)!;
  }
}

function buildOf(family: Family, vs: VirtualServerPlan): ServiceBuild {
  const spec = { family, proto: vs.proto, addr: vs.addr, port: vs.port, scheduler: vs.scheduler, flags: vs.flags, timeout: vs.timeout };
  return { spec, dests: vs.dests.map((d) => ({ addr: d.ip, port: d.port, weight: 1 })) };
}

/** Per store, per family: the last shared sync made (from the plans of the node that made it). */
const made = new WeakMap<Store, Map<Family, SharedSync>>();

/**
 * The shared sync for a node's plans (in Service key order) and where its plans differ from it;
 * made again from these plans when there is none or the Services differ. Undefined when two
 * Services want one virtual server, or the plans cannot be written (the node's own sync then
 * fails as kube-proxy's would, on the Service that fails).
 */
export function sharedSyncFor(store: Store, family: Family, keys: readonly string[], plans: readonly ServicePlan[], setOptions: (type: SetType) => SetOptions, dev: string): { shared: SharedSync; differ: number[] } | undefined {
  let perStore = made.get(store);
  if (!perStore) made.set(store, (perStore = new Map()));
  const last = perStore.get(family);
  if (last && sameItems(last.keys, keys)) {
    // however many differ, moving from it costs no more than a sync from nothing
    const differ: number[] = [];
    for (let i = 0; i < plans.length; i++) if (plans[i] !== last.plans[i]) differ.push(i);
    return { shared: last, differ };
  }
  const desired = new DesiredState();
  desired.reset(keys, plans);
  // a virtual server two Services want is written as the walk over both leaves it: no shared copy
  if (desired.hasShared) return undefined;
  let shared: SharedSync;
  try {
    shared = new SharedSync(family, keys, plans, desired, setOptions, dev);
  } catch (e) {
    if (e instanceof IpvsError || e instanceof IpsetError) return undefined;
    throw e;
  }
  perStore.set(family, shared);
  return { shared, differ: [] };
}

/** Whether two plans make the same virtual server (same key, scheduler, flags, timeout, real servers in order). */
export function sameServer(a: VirtualServerPlan, b: VirtualServerPlan): boolean {
  if (a.key !== b.key || a.scheduler !== b.scheduler || a.flags !== b.flags || a.timeout !== b.timeout || a.dests.length !== b.dests.length) return false;
  for (let i = 0; i < a.dests.length; i++) if (a.dests[i]!.hostPort !== b.dests[i]!.hostPort) return false;
  return true;
}

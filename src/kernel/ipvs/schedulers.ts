// The IPVS schedulers that keep no tables (net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,sed,nq,fo,ovf}.c):
// each picks a destination for a new connection from the list order, the weights and the
// connection counters, exactly as the kernel's loops do (ties to the earlier list element).
import { available, type RealServer, type VirtualService } from './service.js';

export interface Pick {
  dest?: RealServer;
  /** What decided, in words a trace shows: `rr position 2 of 3`, `lc: overhead 256 (1 active, 0 inactive)`. */
  why: string;
}

export interface PacketKey {
  src: string;
  sport: number;
  dst: string;
}

export interface Scheduler {
  /** Rebuilds the scheduler's state after the destinations changed (add, edit, delete: the one removed and where it was). */
  update(svc: VirtualService, removed?: { dest: RealServer; index: number }): void;
  pick(svc: VirtualService, p: PacketKey): Pick;
  /** Each destination's share of new connections in the long run (for --all-paths). */
  shares(svc: VirtualService, p: PacketKey): number[];
}

/** (active << 8) + inactive: lc's and wlc's load figure (ip_vs_dest_conn_overhead). */
export function overhead(d: RealServer): number {
  return d.activeConns * 256 + d.inactConns;
}

const load = (d: RealServer): string => `${d.activeConns} active, ${d.inactConns} inactive`;
const byWeight = (svc: VirtualService): number[] => svc.dests.map((d) => (available(d) ? d.weight : 0));
const evenly = (svc: VirtualService): number[] => svc.dests.map((d) => (available(d) ? 1 : 0));
/** A deterministic scheduler's shares: all to what it picks now. */
export const onlyPicked = (s: Scheduler) => (svc: VirtualService, p: PacketKey): number[] => {
  const d = s.pick(svc, p).dest;
  return svc.dests.map((x) => (x === d ? 1 : 0));
};

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

interface RrState {
  /** The last chosen destination; undefined = the list head. */
  cursor: RealServer | undefined;
}

const rr: Scheduler = {
  update(svc, removed) {
    const s = (svc.sched ??= { cursor: undefined }) as RrState;
    // a deleted cursor moves to the element before it, so the next pick is the one after it
    if (removed && s.cursor === removed.dest) s.cursor = removed.index > 0 ? svc.dests[removed.index - 1] : undefined;
  },
  pick(svc) {
    const s = svc.sched as RrState;
    const n = svc.dests.length;
    const start = s.cursor ? svc.dests.indexOf(s.cursor) : -1;
    // after the cursor to the end, then (if the cursor was not the head) from the head up to the cursor
    const order: number[] = [];
    for (let i = start + 1; i < n; i++) order.push(i);
    if (start >= 0) for (let i = 0; i <= start; i++) order.push(i);
    for (const i of order) {
      const d = svc.dests[i]!;
      if (available(d)) {
        s.cursor = d;
        return { dest: d, why: `rr position ${i + 1} of ${n} (the next after ${start < 0 ? 'the list head' : `position ${start + 1}`})` };
      }
    }
    return { why: 'rr: no destination with weight > 0' };
  },
  shares: evenly,
};

interface WrrState {
  /** The last chosen destination; undefined = the list head (reset on every change). */
  cl: RealServer | undefined;
  cw: number;
  mw: number;
  di: number;
}

const wrr: Scheduler = {
  update(svc) {
    const weights = svc.dests.map((d) => d.weight);
    const di = weights.filter((w) => w > 0).reduce((g, w) => gcd(g, w), 0) || 1;
    const mw = Math.max(0, ...weights) - (di - 1);
    const old = svc.sched as WrrState | undefined;
    let cw = mw;
    if (old && !(old.cw > mw || old.cw === 0)) cw = di > 1 ? Math.floor(old.cw / di) * di + 1 : old.cw;
    svc.sched = { cl: undefined, cw, mw, di } satisfies WrrState;
  },
  pick(svc) {
    const m = svc.sched as WrrState;
    if (!m || m.mw === 0) return { why: 'wrr: no destination with weight > 0' };
    const list = svc.dests;
    const last = m.cl;
    let stop: RealServer | undefined;
    let lastPass = false;
    let restarted = false;
    let i = m.cl ? list.indexOf(m.cl) + 1 : 0;
    for (;;) {
      for (; i < list.length; i++) {
        const d = list[i]!;
        if (d.weight >= m.cw) {
          m.cl = d;
          return { dest: d, why: `wrr current weight ${m.cw}: position ${i + 1} of ${list.length} has weight ${d.weight}` };
        }
        if (d === stop) return { why: 'wrr: no destination with weight > 0' };
      }
      i = 0;
      m.cw -= m.di;
      if (m.cw <= 0) {
        m.cw = m.mw;
        if (lastPass || last === undefined) return { why: 'wrr: no destination with weight > 0' };
        restarted = true;
      }
      lastPass = m.cw <= m.di;
      if (lastPass && restarted && last !== undefined) stop = last;
    }
  },
  shares: byWeight,
};

const lc: Scheduler = {
  update() {},
  pick(svc) {
    let least: RealServer | undefined;
    let loh = 0;
    for (const d of svc.dests) {
      if (!available(d)) continue;
      const doh = overhead(d);
      if (!least || doh < loh) [least, loh] = [d, doh];
    }
    return least ? { dest: least, why: `lc: least overhead ${loh} (${load(least)})` } : { why: 'lc: no destination with weight > 0' };
  },
  shares: evenly,
};

/** wlc and sed: the first available dest, replaced by any later one with a smaller overhead per weight. */
function weightedLeast(name: string, oh: (d: RealServer) => number): Scheduler {
  return {
    update() {},
    pick(svc) {
      const first = svc.dests.findIndex(available);
      if (first < 0) return { why: `${name}: no destination with weight > 0` };
      let least = svc.dests[first]!;
      let loh = oh(least);
      for (const d of svc.dests.slice(first + 1)) {
        const doh = oh(d);
        if (loh * d.weight > doh * least.weight) [least, loh] = [d, doh];
      }
      return { dest: least, why: `${name}: least overhead/weight ${loh}/${least.weight} (${load(least)})` };
    },
    shares: byWeight,
  };
}

const nq: Scheduler = {
  update() {},
  pick(svc) {
    let least: RealServer | undefined;
    let loh = 0;
    for (const d of svc.dests) {
      if (!available(d)) continue;
      const doh = d.activeConns + 1;
      if (d.activeConns === 0) return { dest: d, why: `nq: idle (0 active)` };
      if (!least || loh * d.weight > doh * least.weight) [least, loh] = [d, doh];
    }
    return least ? { dest: least, why: `nq: none idle, least expected delay ${loh}/${least.weight} (${load(least)})` } : { why: 'nq: no destination with weight > 0' };
  },
  shares: byWeight,
};

const fo: Scheduler = {
  update() {},
  pick(svc) {
    let h: RealServer | undefined;
    for (const d of svc.dests) if (available(d) && d.weight > (h?.weight ?? 0)) h = d;
    return h ? { dest: h, why: `fo: highest weight ${h.weight}` } : { why: 'fo: no destination with weight > 0' };
  },
  shares: (svc, p) => onlyPicked(fo)(svc, p),
};

const ovf: Scheduler = {
  update() {},
  pick(svc) {
    let h: RealServer | undefined;
    for (const d of svc.dests) {
      if (d.activeConns > d.weight || d.weight === 0) continue;
      if (!h || d.weight > h.weight) h = d;
    }
    return h ? { dest: h, why: `ovf: highest weight ${h.weight} not overflowing (${load(h)})` } : { why: 'ovf: every destination is full or has weight 0' };
  },
  shares: (svc, p) => onlyPicked(ovf)(svc, p),
};

export const PLAIN_SCHEDULERS: Record<string, Scheduler> = {
  rr,
  wrr,
  lc,
  wlc: weightedLeast('wlc', overhead),
  sed: weightedLeast('sed', (d) => d.activeConns + 1),
  nq,
  fo,
  ovf,
};

// The IPVS schedulers that hash (ip_vs_sh.c, ip_vs_dh.c, ip_vs_mh.c) and the locality-based one
// (ip_vs_lblc.c): their tables are rebuilt from the destination list on every change, and a
// packet's address (and port, with the -port flag) picks a bucket.
import { addrFold, hash32, hsiphash32 } from './hash.js';
import { PLAIN_SCHEDULERS, onlyPicked, type PacketKey, type Pick, type Scheduler } from './schedulers.js';
import { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2, available, type RealServer, type VirtualService } from './service.js';

const SH_TAB_SIZE = 256;

/** sh / dh bucket table: each destination takes `weight` consecutive buckets (dh: one), wrapping round the list. */
function fillBuckets(svc: VirtualService, weighted: boolean): (RealServer | undefined)[] {
  const b: (RealServer | undefined)[] = new Array(SH_TAB_SIZE);
  const n = svc.dests.length;
  let p = 0;
  let count = 0;
  for (let i = 0; i < SH_TAB_SIZE; i++) {
    if (n === 0) continue;
    const d = svc.dests[p]!;
    b[i] = d;
    if (!weighted || ++count >= d.weight) {
      p = (p + 1) % n;
      count = 0;
    }
  }
  return b;
}

function shBucket(addr: string, port: number, offset: number): number {
  return (offset + hash32((port + addrFold(addr)) >>> 0, 8)) & 255;
}

const where = (svc: VirtualService, d: RealServer): string => `position ${svc.dests.indexOf(d) + 1} of ${svc.dests.length}`;

const sh: Scheduler = {
  update(svc) {
    svc.sched = fillBuckets(svc, true);
  },
  pick(svc, p) {
    const buckets = svc.sched as (RealServer | undefined)[];
    const port = svc.flags & IP_VS_SVC_F_SCHED2 ? p.sport : 0;
    const key = port ? `${p.src}:${port}` : p.src;
    const h = shBucket(p.src, port, 0);
    const d = buckets[h];
    if (d && available(d)) return { dest: d, why: `sh hash bucket ${h} of ${SH_TAB_SIZE} for source ${key} → ${where(svc, d)}` };
    if (!(svc.flags & IP_VS_SVC_F_SCHED1)) return { why: `sh hash bucket ${h} for source ${key} holds ${d ? 'a destination with weight 0' : 'no destination'} (no sh-fallback)` };
    for (let k = 0; k < SH_TAB_SIZE; k++) {
      const b = shBucket(p.src, port, (k + h) % SH_TAB_SIZE);
      const f = buckets[b];
      if (f && available(f)) return { dest: f, why: `sh hash bucket ${h} unavailable; sh-fallback bucket ${b} → ${where(svc, f)}` };
    }
    return { why: 'sh: no destination with weight > 0' };
  },
  shares: (svc, p) => onlyPicked(sh)(svc, p),
};

const dh: Scheduler = {
  update(svc) {
    svc.sched = fillBuckets(svc, false);
  },
  pick(svc, p) {
    const buckets = svc.sched as (RealServer | undefined)[];
    const h = hash32(addrFold(p.dst), 8);
    const d = buckets[h];
    if (d && available(d)) return { dest: d, why: `dh hash bucket ${h} of ${SH_TAB_SIZE} for destination ${p.dst} → ${where(svc, d)}` };
    return { why: `dh hash bucket ${h} for destination ${p.dst} holds ${d ? 'a destination with weight 0' : 'no destination'}` };
  },
  shares: (svc, p) => onlyPicked(dh)(svc, p),
};

/** CONFIG_IP_VS_MH_TAB_INDEX 12 → a 4093-slot lookup table; the keys are fixed in the kernel. */
export const MH_TAB_SIZE = 4093;
const MH_TAB_BITS = 6;
const HASH1: [bigint, bigint] = [2654435761n, 2654435761n];
const HASH2: [bigint, bigint] = [2654446892n, 2654446892n];

export function mhHash(addr: string, port: number, key: readonly [bigint, bigint], offset: number): number {
  return hsiphash32((offset + port + addrFold(addr)) >>> 0, key);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** The Maglev table: every destination walks its own permutation (offset, skip) claiming free slots, `turns` per round. */
export function mhTable(svc: VirtualService): (RealServer | undefined)[] {
  const table: (RealServer | undefined)[] = new Array(MH_TAB_SIZE);
  const lw = svc.dests.map((d) => d.lastWeight);
  const g = lw.filter((w) => w > 0).reduce((a, w) => gcd(a, w), 0);
  if (g < 1 || svc.dests.length === 0) return table;
  const rshift = Math.max(fls(Math.floor(Math.max(...lw) / g)) - MH_TAB_BITS, 0);
  const setup = svc.dests.map((d, i) => {
    const offset = mhHash(d.addr, d.port, HASH1, 0) % MH_TAB_SIZE;
    const skip = (mhHash(d.addr, d.port, HASH2, 0) % (MH_TAB_SIZE - 1)) + 1;
    const t = Math.floor(lw[i]! / g) >> rshift;
    return { perm: offset, skip, turns: t || (lw[i] !== 0 ? 1 : 0) };
  });
  const taken = new Uint8Array(MH_TAB_SIZE);
  let n = 0;
  for (;;) {
    for (let i = 0; i < svc.dests.length; i++) {
      const ds = setup[i]!;
      for (let t = 0; t < ds.turns; t++) {
        while (taken[ds.perm]) {
          ds.perm += ds.skip;
          if (ds.perm >= MH_TAB_SIZE) ds.perm -= MH_TAB_SIZE;
        }
        taken[ds.perm] = 1;
        table[ds.perm] = svc.dests[i];
        if (++n === MH_TAB_SIZE) return table;
      }
    }
  }
}

const mh: Scheduler = {
  update(svc) {
    svc.sched = mhTable(svc);
  },
  pick(svc, p) {
    const table = svc.sched as (RealServer | undefined)[];
    const port = svc.flags & IP_VS_SVC_F_SCHED2 ? p.sport : 0;
    const key = port ? `${p.src}:${port}` : p.src;
    const slot = mhHash(p.src, port, HASH1, 0) % MH_TAB_SIZE;
    const d = table[slot];
    if (d && available(d)) return { dest: d, why: `mh lookup slot ${slot} of ${MH_TAB_SIZE} for source ${key} → ${where(svc, d)}` };
    if (!(svc.flags & IP_VS_SVC_F_SCHED1)) return { why: `mh lookup slot ${slot} for source ${key} holds ${d ? 'a destination with weight 0' : 'no destination'} (no mh-fallback)` };
    for (let k = 0; k < MH_TAB_SIZE; k++) {
      const s = mhHash(p.src, port, HASH1, (k + slot) % MH_TAB_SIZE) % MH_TAB_SIZE;
      const f = table[s];
      if (f && available(f)) return { dest: f, why: `mh slot ${slot} unavailable; mh-fallback slot ${s} → ${where(svc, f)}` };
    }
    return { why: 'mh: no destination with weight > 0' };
  },
  shares: (svc, p) => onlyPicked(mh)(svc, p),
};

/**
 * lblc: the destination last used for this packet's destination address while it is not
 * overloaded (more active connections than its weight while another has under half), else wlc's pick.
 */
function lblcChoose(svc: VirtualService, p: PacketKey, remember: boolean): Pick {
  const m = svc.sched as Map<string, RealServer>;
  const d = m.get(p.dst);
  const overloaded = (x: RealServer): boolean => x.activeConns > x.weight && svc.dests.some((o) => o.activeConns * 2 < o.weight);
  if (d && available(d) && !overloaded(d)) return { dest: d, why: `lblc: ${p.dst} was last sent to ${where(svc, d)}` };
  const w = PLAIN_SCHEDULERS.wlc!.pick(svc, p);
  if (w.dest && remember) m.set(p.dst, w.dest);
  return { ...w, why: `lblc: no usable entry for ${p.dst}; ${w.why}` };
}

const lblc: Scheduler = {
  update(svc) {
    const old = svc.sched as Map<string, RealServer> | undefined;
    const m = new Map<string, RealServer>();
    for (const [k, d] of old ?? []) if (svc.dests.includes(d)) m.set(k, d);
    svc.sched = m;
  },
  pick: (svc, p) => lblcChoose(svc, p, true),
  shares(svc, p) {
    const d = lblcChoose(svc, p, false).dest;
    return svc.dests.map((x) => (x === d ? 1 : 0));
  },
};

export const HASH_SCHEDULERS: Record<string, Scheduler> = { sh, dh, mh, lblc };

// Each IPVS scheduler against the selection sequences and hash values of IPVS-SCHEDULERS.md,
// through the kernel table (destinations added one by one, as kube-proxy adds them).
import test from 'ava';
import { addrFold, hash32, hsiphash32, siphash24 } from '../../src/kernel/ipvs/hash.js';
import { MH_TAB_SIZE, mhHash } from '../../src/kernel/ipvs/hashing.js';
import { PLAIN_SCHEDULERS } from '../../src/kernel/ipvs/schedulers.js';
import { IP_VS_SVC_F_PERSISTENT, IP_VS_SVC_F_SCHED2, emptyStats, type RealServer, type VirtualService } from '../../src/kernel/ipvs/service.js';
import { IpvsTable } from '../../src/kernel/ipvs/table.js';

const A = '10.244.3.10';
const B = '10.244.3.11';
const C = '10.244.3.12';

function service(scheduler: string, dests: [string, number][], flags = 0, timeout = 0): { t: IpvsTable; svc: VirtualService } {
  const t = new IpvsTable();
  const svc = t.addService({ family: 4, proto: 'TCP', addr: '10.96.0.10', port: 80, scheduler, flags, timeout });
  for (const [addr, weight] of dests) t.addDest(svc, { addr, port: 80, weight });
  return { t, svc };
}

/** `n` new connections from `src` (source ports 40000…), each recorded as the kernel would. */
function picks(t: IpvsTable, svc: VirtualService, n: number, src = '10.244.1.2', state: 'ESTABLISHED' | 'UDP' = 'UDP', now = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = t.decide(svc, src, 40000 + i, now).pick.dest!;
    t.connect(svc, d, { src, sport: 40000 + i, state }, now);
    out.push(d.addr);
  }
  return out;
}

test('the kernel list is the reverse of the add order', (t) => {
  const { svc } = service('rr', [[A, 1], [B, 1], [C, 1]]);
  t.deepEqual(svc.dests.map((d) => d.addr), [C, B, A]);
});

test('rr: C, B, A, C, … and a deleted cursor moves back one', (t) => {
  const { t: tab, svc } = service('rr', [[A, 1], [B, 1], [C, 1]]);
  t.deepEqual(picks(tab, svc, 4), [C, B, A, C]);
  tab.delDest(svc, C, 80);
  t.deepEqual(picks(tab, svc, 3), [B, A, B]);
});

test('rr skips a quiesced (weight 0) destination', (t) => {
  const { t: tab, svc } = service('rr', [[A, 1], [B, 0], [C, 1]]);
  t.deepEqual(picks(tab, svc, 4), [C, A, C, A]);
});

function fresh(dests: [string, number][]): VirtualService {
  const list: RealServer[] = dests.map(([addr, weight]) => ({ addr, port: 80, weight, lastWeight: weight, fwd: 'Masq', activeConns: 0, inactConns: 0, persistConns: 0, stats: emptyStats() }));
  return { family: 4, proto: 'TCP', addr: '10.96.0.10', port: 80, scheduler: 'wrr', flags: 0, timeout: 0, netmask: 32, dests: list, sched: undefined, stats: emptyStats() };
}

test('wrr on a list set up at once: P P Q P Q R P Q R; X Y: Y X Y Y X Y', (t) => {
  const wrr = PLAIN_SCHEDULERS.wrr!;
  const run = (svc: VirtualService, n: number): string => {
    wrr.update(svc);
    return Array.from({ length: n }, () => wrr.pick(svc, { src: '', sport: 0, dst: '' }).dest!.addr).join(' ');
  };
  t.is(run(fresh([['P', 4], ['Q', 3], ['R', 2]]), 9), 'P P Q P Q R P Q R');
  t.is(run(fresh([['X', 2], ['Y', 4]]), 6), 'Y X Y Y X Y');
});

test('wrr with destinations added one by one keeps the current weight the first add set', (t) => {
  // R(2) alone: gcd 2, max 1, cw 1; Q and P keep cw 1 (gcd 1), so the first round is cw 1
  const { t: tab, svc } = service('wrr', [['R', 2], ['Q', 3], ['P', 4]]);
  t.is(picks(tab, svc, 12).join(' '), 'P Q R P P Q P Q R P Q R');
});

/** The worked example: S1 (1, 2 active, 5 inactive), S2 (3, 4, 0), S3 (2, 3, 100) in list order. */
function loaded(scheduler: string): VirtualService {
  const svc = fresh([['S1', 1], ['S2', 3], ['S3', 2]]);
  svc.scheduler = scheduler;
  for (const [d, a, i] of [[svc.dests[0]!, 2, 5], [svc.dests[1]!, 4, 0], [svc.dests[2]!, 3, 100]] as const) [d.activeConns, d.inactConns] = [a, i];
  return svc;
}

test('lc, wlc, sed, nq on the worked example: S1, S2, S2, S2', (t) => {
  const key = { src: '', sport: 0, dst: '' };
  t.is(PLAIN_SCHEDULERS.lc!.pick(loaded('lc'), key).dest!.addr, 'S1');
  t.is(PLAIN_SCHEDULERS.wlc!.pick(loaded('wlc'), key).dest!.addr, 'S2');
  t.is(PLAIN_SCHEDULERS.sed!.pick(loaded('sed'), key).dest!.addr, 'S2');
  t.is(PLAIN_SCHEDULERS.nq!.pick(loaded('nq'), key).dest!.addr, 'S2');
  const idle = loaded('nq');
  idle.dests[2]!.activeConns = 0;
  t.is(PLAIN_SCHEDULERS.nq!.pick(idle, key).dest!.addr, 'S3');
});

test('lc after connections open and close: counters move, ties go to the earlier list element', (t) => {
  const { t: tab, svc } = service('lc', [[A, 1], [B, 1], [C, 1]]);
  // each open (ESTABLISHED, 256) makes its server the most loaded
  t.deepEqual(picks(tab, svc, 3, '10.244.1.2', 'ESTABLISHED'), [C, B, A]);
  t.deepEqual(svc.dests.map((d) => [d.addr, d.activeConns, d.inactConns]), [[C, 1, 0], [B, 1, 0], [A, 1, 0]]);
  // B's connection closes: TIME_WAIT counts 1 instead of 256
  const conn = tab.conns.list(0).find((c) => c.daddr === B)!;
  tab.conns.setState(conn, 'TIME_WAIT', 1000);
  t.deepEqual(picks(tab, svc, 1, '10.244.1.9', 'ESTABLISHED', 1000), [B]);
  // two minutes later the TIME_WAIT entry is gone; the ESTABLISHED ones stay for 15 minutes
  tab.conns.expire(1000 + 121_000);
  t.deepEqual(svc.dests.map((d) => [d.addr, d.activeConns, d.inactConns]), [[C, 1, 0], [B, 1, 0], [A, 1, 0]]);
  tab.conns.expire(900_500);
  t.deepEqual(svc.dests.map((d) => d.activeConns + d.inactConns), [0, 1, 0]);
});

test('hash_32 and the sh buckets of the worked example', (t) => {
  t.is(addrFold('10.244.1.2'), 0x0af40102);
  t.deepEqual(['10.244.1.2', '10.244.1.3', '10.244.2.5'].map((ip) => hash32(addrFold(ip), 8)), [77, 175, 59]);
  const { t: tab, svc } = service('sh', [[A, 1], [B, 1], [C, 1]]);
  t.deepEqual(['10.244.1.2', '10.244.1.3', '10.244.2.5'].map((ip) => tab.decide(svc, ip, 1234, 0).pick.dest!.addr), [A, B, A]);
  t.is(tab.decide(svc, '10.244.1.2', 1234, 0).pick.why, 'sh hash bucket 77 of 256 for source 10.244.1.2 → position 3 of 3');
  // the same client lands on the same server every time
  t.deepEqual(new Set(picks(tab, svc, 20)), new Set([A]));
});

test('sh: a weight-2 server takes two buckets in a row; a quiesced bucket gives no server', (t) => {
  const { t: tab, svc } = service('sh', [[A, 1], [B, 2]]);
  const buckets = svc.sched as RealServer[];
  t.deepEqual(buckets.slice(0, 6).map((d) => d.addr), [B, B, A, B, B, A]);
  tab.editDest(svc, { addr: A, port: 80, weight: 0 });
  t.is(tab.decide(svc, '10.244.1.2', 1, 0).pick.dest?.addr, hash32(addrFold('10.244.1.2'), 8) % 3 === 2 ? undefined : B);
});

test('dh: every client of a virtual service goes to one server (bucket of the destination address)', (t) => {
  t.is(hash32(addrFold('10.96.0.10'), 8), 242);
  const { t: tab, svc } = service('dh', [[A, 1], [B, 1], [C, 1]]);
  t.deepEqual(['10.244.1.2', '10.244.1.3', '10.244.2.5'].map((ip) => tab.decide(svc, ip, 1, 0).pick.dest!.addr), [A, A, A]);
});

test('SipHash: the published SipHash-2-4 vector checks the rounds hsiphash (1-3) uses', (t) => {
  const msg = Uint8Array.from({ length: 15 }, (_, i) => i);
  t.is(siphash24(msg, 0x0706050403020100n, 0x0f0e0d0c0b0a0908n), 0xa129ca6149be45e5n);
  t.is(typeof hsiphash32(1, [1n, 2n]), 'number');
});

test('mh: lookup slots and table shares of the worked example; mh-port mixes in the source port', (t) => {
  const key: [bigint, bigint] = [2654435761n, 2654435761n];
  t.deepEqual(['10.244.1.2', '10.244.1.3', '10.244.2.5'].map((ip) => mhHash(ip, 0, key, 0) % MH_TAB_SIZE), [1927, 3000, 232]);
  t.is(mhHash('10.244.1.2', 40000, key, 0) % MH_TAB_SIZE, 3461);
  const { t: tab, svc } = service('mh', [[A, 1], [B, 1], [C, 1]], IP_VS_SVC_F_SCHED2);
  const counts = new Map<string, number>();
  for (const d of svc.sched as RealServer[]) counts.set(d.addr, (counts.get(d.addr) ?? 0) + 1);
  t.deepEqual(Object.fromEntries(counts), { [C]: 1365, [B]: 1364, [A]: 1364 });
  t.regex(tab.decide(svc, '10.244.1.2', 40000, 0).pick.why, /^mh lookup slot 3461 of 4093 for source 10\.244\.1\.2:40000 → /);
});

test('fo and ovf: the highest weight (ovf: while its active connections do not exceed its weight)', (t) => {
  const fo = service('fo', [[A, 1], [B, 3], [C, 2]]);
  t.deepEqual(picks(fo.t, fo.svc, 3), [B, B, B]);
  const ovf = service('ovf', [[A, 1], [B, 2]]);
  t.deepEqual(picks(ovf.t, ovf.svc, 4, '10.244.1.2', 'ESTABLISHED'), [B, B, B, A]);
});

test('persistence: the template keeps a client on its server until the timeout, then rr moves on', (t) => {
  const { t: tab, svc } = service('rr', [[A, 1], [B, 1], [C, 1]], IP_VS_SVC_F_PERSISTENT, 1800);
  const client = '192.168.2.50';
  t.deepEqual(picks(tab, svc, 3, client), [C, C, C]);
  const d = tab.decide(svc, client, 1, 60_000);
  t.is(d.pick.why, `persistence template ${client} → ${C}:80 (1740 s of 1800 s left)`);
  // the template's 1800 s outlast its UDP connections' 300 s: at 1801 s it is gone
  t.is(tab.decide(svc, client, 1, 1_801_000).template, undefined);
  t.deepEqual(picks(tab, svc, 1, client, 'UDP', 1_801_000), [B]);
});

test('lblcr is refused by name', (t) => {
  t.throws(() => service('lblcr', []), { message: 'Scheduler not found: ip_vs_lblcr.ko (knet does not model lblcr)' });
});

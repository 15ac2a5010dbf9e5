// IPVS's hook programs: where they sit, what a new and a known connection get, and the choice
// a trace sees (every real server with its long-run share, the kernel's pick marked).
import test from 'ava';
import { drawChooser, type Choice } from '../../src/kernel/choice.js';
import type { HookEnv, HookPacket } from '../../src/kernel/hooks.js';
import { IpsetTable } from '../../src/kernel/ipset/table.js';
import { ipvsPrograms } from '../../src/kernel/ipvs/hook.js';
import { IP_VS_SVC_F_PERSISTENT, NO_STATS, emptyStats } from '../../src/kernel/ipvs/service.js';
import { IpvsTable } from '../../src/kernel/ipvs/table.js';

const pkt = (src: string, sport: number, dst = '10.1.0.2', dport = 80): HookPacket => ({
  family: 4,
  src,
  dst,
  proto: 'tcp',
  sport,
  dport,
  mark: 0,
  ct: { state: 'NEW', dnat: false, snat: false, direction: 'original', origDst: dst, origDport: dport, mark: 0 },
});

function env(now: number, seen: Choice[]): HookEnv {
  const draw = drawChooser(() => 0);
  return { addrType: () => 'UNICAST', choose: (c) => (seen.push(c), draw(c)), now: () => now, ipsets: new IpsetTable(), ifaceOf: () => undefined };
}

test('IPVS runs at LOCAL_IN just before srcnat and at LOCAL_OUT just after dstnat; replies before them and at FORWARD', (t) => {
  t.deepEqual(
    ipvsPrograms(new IpvsTable(), 4).map((p) => [p.name, p.hook, p.priority]),
    [
      ['ipvs ip_vs_remote_request', 'input', 99],
      ['ipvs ip_vs_local_request', 'output', -98],
      ['ipvs ip_vs_reply', 'input', 98],
      ['ipvs ip_vs_reply', 'forward', 99],
      ['ipvs ip_vs_local_reply', 'output', -99],
    ],
  );
});

test("a reply of a scheduled connection counts in its service's and real server's out counters; other replies pass untouched", (t) => {
  const tab = new IpvsTable();
  const svc = tab.addService({ family: 4, proto: 'TCP', addr: '10.1.0.2', port: 80, scheduler: 'rr', flags: 0, timeout: 0 });
  tab.addDest(svc, { addr: '10.244.1.3', port: 80, weight: 1 });
  const [input, , , forward] = ipvsPrograms(tab, 4);
  input!.run(pkt('10.244.0.5', 40000), env(0, []));
  const reply = (src: string, sport: number): HookPacket => ({ ...pkt(src, sport, '10.244.0.5', 40000), ct: { state: 'ESTABLISHED', dnat: true, snat: false, direction: 'reply', origDst: '10.1.0.2', origDport: 80, mark: 0 } });
  t.deepEqual(forward!.run(reply('10.244.1.3', 80), env(0, [])), { verdict: 'accept', mark: 0, evidence: [], evaluated: 1 });
  t.deepEqual(forward!.run(reply('10.244.9.9', 80), env(0, [])), { verdict: 'accept', mark: 0, evidence: [], evaluated: 0 });
  t.deepEqual([svc.stats, svc.dests[0]!.stats].map((s) => [s.inPkts, s.outPkts, s.inBytes, s.outBytes]), [[1, 1, 60, 60], [1, 1, 60, 60]]);
});

test('counters are shared zeros until the first packet: then the service and the real server it met count on their own, the rest stay zero', (t) => {
  const tab = new IpvsTable();
  const svc = tab.addService({ family: 4, proto: 'TCP', addr: '10.1.0.2', port: 80, scheduler: 'rr', flags: 0, timeout: 0 });
  const other = tab.addService({ family: 4, proto: 'TCP', addr: '10.1.0.3', port: 80, scheduler: 'rr', flags: 0, timeout: 0 });
  for (const v of [svc, other]) for (const a of ['10.244.1.3', '10.244.1.4']) tab.addDest(v, { addr: a, port: 80, weight: 1 });
  t.true([svc, other, ...svc.dests, ...other.dests].every((x) => x.stats === NO_STATS));
  const [input] = ipvsPrograms(tab, 4);
  input!.run(pkt('10.244.0.5', 40000), env(0, []));
  t.deepEqual(svc.stats, { ...emptyStats(), conns: 1, inPkts: 1, inBytes: 60 });
  t.deepEqual(svc.dests.map((d) => d.stats.conns), [1, 0]);
  t.true([svc.dests[1]!, other, ...other.dests].every((x) => x.stats === NO_STATS));
  t.deepEqual(NO_STATS, emptyStats(), 'the shared zeros never written');
  // a fresh start puts the zeros back
  tab.resetRuntime();
  t.true([svc, ...svc.dests].every((x) => x.stats === NO_STATS));
});

test('a new connection under rr: every real server offered, the kernel pick taken, then the entry is followed', (t) => {
  const tab = new IpvsTable();
  const svc = tab.addService({ family: 4, proto: 'TCP', addr: '10.1.0.2', port: 80, scheduler: 'rr', flags: 0, timeout: 0 });
  for (const a of ['10.244.1.3', '10.244.1.4', '10.244.2.3']) tab.addDest(svc, { addr: a, port: 80, weight: 1 });
  const [input] = ipvsPrograms(tab, 4);
  const seen: Choice[] = [];
  const r = input!.run(pkt('10.244.0.5', 40000), env(0, seen));
  t.deepEqual(seen, [{ what: 'ipvs rr', options: ['10.244.2.3:80', '10.244.1.4:80', '10.244.1.3:80'].map((label) => ({ label, weight: 1 })), kernelPick: 0 }]);
  t.deepEqual(r, {
    verdict: 'stolen',
    decidedBy: 0,
    mark: 0,
    evaluated: 1,
    forward: { dst: '10.244.2.3', dport: 80 },
    evidence: [{ kind: 'ipvs', service: 'TCP  10.1.0.2:80 rr', scheduler: 'rr', decidedBy: 'rr position 1 of 3 (the next after the list head)', real: '10.244.2.3:80', probability: 1 / 3 }],
  });
  const again = input!.run(pkt('10.244.0.5', 40000), env(1000, []));
  t.deepEqual(again.evidence[0], { kind: 'ipvs', service: 'TCP  10.1.0.2:80 rr', scheduler: 'rr', decidedBy: 'connection entry ESTABLISHED 10.244.0.5:40000', real: '10.244.2.3:80' });
  t.is(input!.run(pkt('10.244.0.5', 40001), env(1000, [])).forward?.dst, '10.244.1.4');
  t.is(svc.stats.conns, 2);
});

test('persistence: a second connection of the client follows the template', (t) => {
  const tab = new IpvsTable();
  const svc = tab.addService({ family: 4, proto: 'TCP', addr: '10.1.0.2', port: 80, scheduler: 'rr', flags: IP_VS_SVC_F_PERSISTENT, timeout: 1800 });
  for (const a of ['10.244.1.3', '10.244.1.4']) tab.addDest(svc, { addr: a, port: 80, weight: 1 });
  const [input] = ipvsPrograms(tab, 4);
  t.is(input!.run(pkt('192.168.2.50', 40000), env(0, [])).forward?.dst, '10.244.1.4');
  const seen: Choice[] = [];
  const r = input!.run(pkt('192.168.2.50', 40001), env(5000, seen));
  t.is(r.forward?.dst, '10.244.1.4');
  t.deepEqual(seen[0]!.options.map((o) => o.weight), [1, 0]);
  t.regex((r.evidence[0] as { decidedBy: string }).decidedBy, /^persistence template 192\.168\.2\.50 → 10\.244\.1\.4:80 \(1795 s of 1800 s left\)$/);
});

test('no real server: the first packet is refused (ICMP port unreachable); other addresses pass', (t) => {
  const tab = new IpvsTable();
  tab.addService({ family: 4, proto: 'TCP', addr: '10.1.0.2', port: 80, scheduler: 'rr', flags: 0, timeout: 0 });
  const [input] = ipvsPrograms(tab, 4);
  const r = input!.run(pkt('10.244.0.5', 40000), env(0, []));
  t.is(r.verdict, 'reject');
  t.is((r.evidence[0] as { real: string }).real, 'none (ICMP port unreachable)');
  t.is(input!.run(pkt('10.244.0.5', 40000, '10.1.0.9'), env(0, [])).verdict, 'accept');
});

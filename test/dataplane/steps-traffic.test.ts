// Traffic in a steps file (`trace: {from, to, count, interval}`): the connections run on the
// simulated clock during the step, and what they leave — IPVS connection entries and persistence
// templates, counters, conntrack — is what the commands after the steps show.
import test from 'ava';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';
import type { Trace } from '../../src/dataplane/types.js';

const STEPS = join(import.meta.dirname, '..', 'fixtures', 'steps');
const steps = (name: string): string[] => ['--steps', join(STEPS, `${name}.yaml`)];
const IPVS = ['-f', 'topologies/ipvs-sh-affinity.yaml', '--node', 'k8s-node1'];

test('ipvsadm -Lnc after a steps file\'s traffic: the connections and persistence templates with their timers on the clock', async (t) => {
  const r = await knet('rules', 'ipvs', ...IPVS, '--connections', ...steps('ipvs-traffic'));
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    [
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
      // pod-a's template, refreshed by its last connection 62 s ago; the entries 10 s apart
      'TCP 28:58  NONE        10.244.1.2:0       10.1.0.2:80        10.244.1.3:80',
      'TCP 13:18  ESTABLISHED 10.244.1.2:50470   10.1.0.2:80        10.244.1.3:80',
      'TCP 13:28  ESTABLISHED 10.244.1.2:47658   10.1.0.2:80        10.244.1.3:80',
      'TCP 13:38  ESTABLISHED 10.244.1.2:60106   10.1.0.2:80        10.244.1.3:80',
      'TCP 13:48  ESTABLISHED 10.244.1.2:50069   10.1.0.2:80        10.244.1.3:80',
      'TCP 13:58  ESTABLISHED 10.244.1.2:44788   10.1.0.2:80        10.244.1.3:80',
      // the laptop's, through the NodePort: the clock stands at its last connection
      'TCP 30:00  NONE        192.168.2.50:0     192.168.2.101:30004 10.244.1.3:80',
      'TCP 14:58  ESTABLISHED 192.168.2.50:53100 192.168.2.101:30004 10.244.1.3:80',
      'TCP 14:59  ESTABLISHED 192.168.2.50:45646 192.168.2.101:30004 10.244.1.3:80',
      'TCP 15:00  ESTABLISHED 192.168.2.50:54308 192.168.2.101:30004 10.244.1.3:80',
      '',
    ].join('\n'),
  );
  // the traffic ran on k8s-node1 only: the other node's table has no entries
  const other = await knet('rules', 'ipvs', '-f', 'topologies/ipvs-sh-affinity.yaml', '--node', 'k8s-node2', '--connections', ...steps('ipvs-traffic'));
  t.is(other.out, 'IPVS connection entries\npro expire state       source             virtual            destination\n');
});

test('a wait after the traffic: the connection entries have expired, the persistence templates run on', async (t) => {
  const r = await knet('rules', 'ipvs', ...IPVS, '--connections', ...steps('ipvs-traffic-later'));
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    'IPVS connection entries\npro expire state       source             virtual            destination\n' +
      'TCP 08:58  NONE        10.244.1.2:0       10.1.0.2:80        10.244.1.3:80\n' +
      'TCP 10:00  NONE        192.168.2.50:0     192.168.2.101:30004 10.244.1.3:80\n',
  );
});

test('ipvsadm -Ln --stats and -Ln after the traffic: the counters and active connections it made', async (t) => {
  const stats = await knet('rules', 'ipvs', ...IPVS, '--stats', ...steps('ipvs-traffic'));
  t.is(stats.code, 0, stats.err);
  t.is(stats.out, golden('steps/ipvs-traffic.stats.txt', stats.out));
  const list = await knet('rules', 'ipvs', ...IPVS, ...steps('ipvs-traffic'));
  t.is(list.out, golden('steps/ipvs-traffic.ipvsadm.txt', list.out));
});

test('rules iptables after the traffic: the rules IPVS mode wrote, unchanged, saved at the clock\'s time', async (t) => {
  const before = await knet('rules', 'iptables', ...IPVS);
  const after = await knet('rules', 'iptables', ...IPVS, ...steps('ipvs-traffic'));
  t.is(after.code, 0, after.err);
  // 40 s of pod-a's connections, the minute's wait, 2 s of the laptop's
  t.is(after.out, before.out.replaceAll('Thu Jan  1 00:00:00 2026', 'Thu Jan  1 00:01:42 2026'));
});

test('conntrack after the traffic: the node\'s entries for every connection it made', async (t) => {
  const r = await knet('conntrack', ...IPVS, ...steps('ipvs-traffic'));
  t.is(r.code, 0, r.err);
  t.is(r.err, 'conntrack v1.4.7 (conntrack-tools): 8 flow entries have been shown.\n');
  t.is(r.out.split('\n').filter((l) => l.includes('dst=192.168.2.101 sport=')).length, 3);
});

for (const [name, err, topology] of [
  ['trace-not-mapping', 'trace-not-mapping.yaml:4: Steps: steps[0].trace: must be a mapping, got "pod-a"'],
  ['trace-bad-field', 'trace-bad-field.yaml:4: Steps: steps[0].trace.cont: unknown field (a trace has from, to, namespace, proto, ipv6, count, interval, seed)'],
  ['trace-missing-to', 'trace-missing-to.yaml:4: Steps: steps[0].trace.to: Required value'],
  ['trace-bad-count', 'trace-bad-count.yaml:4: Steps: steps[0].trace.count: 0 must be between 1 and 100000, inclusive'],
  ['trace-bad-interval', 'trace-bad-interval.yaml:4: Steps: steps[0].trace.interval: want a duration like 1s, 500ms or 1m, got "soon"'],
  ['trace-bad-proto', 'trace-bad-proto.yaml:4: Steps: steps[0].trace.proto: Unsupported value: "icmp": supported values: "tcp", "udp", "sctp"'],
  ['trace-bad-seed', 'trace-bad-seed.yaml:4: Steps: steps[0].trace.seed: -1 must be between 0 and 2147483647, inclusive'],
  [
    'trace-unknown-client',
    'trace-unknown-client.yaml:4: Steps: steps[0].trace.from: pod "nope" not found in namespace default (pods: nginx-6b97fcfcdd-25khw, nginx-6b97fcfcdd-cdxqq, nginx-6b97fcfcdd-m6qp9, pod-a)',
  ],
  ['trace-unknown-service', 'trace-unknown-service.yaml:6: Steps: steps[0].trace.to: service "nope" not found in namespace default'],
  ['trace-wrong-family', 'trace-wrong-family.yaml:4: Steps: steps[0].trace: external client laptop has only 192.168.2.50: it cannot reach an IPv6 destination', 'topologies/dual-stack.yaml'],
] as const) {
  test(`a bad trace step is one line naming file, line and field: ${name}`, async (t) => {
    const r = await knet('get', 'svc', ...(topology ? ['-f', topology] : []), ...steps(name));
    t.is(r.code, 1);
    t.is(r.out, '');
    t.true(r.err.endsWith(`${err}\n`), r.err);
    t.is(r.err.split('\n').length, 2);
  });
}

test('trace after the traffic continues from it: the persistence template decides, not the hash', async (t) => {
  const ipvsStep = async (...more: string[]): Promise<string> => {
    const r = await knet('trace', 'pod-a', 'svc/echoc/nginx-service', '-f', 'topologies/ipvs-sh-affinity.yaml', '-o', 'json', ...more);
    t.is(r.code, 0, r.err);
    const tr = JSON.parse(r.out) as Trace;
    return tr.paths[0]!.hops.flatMap((h) => h.steps).find((s) => s.kind === 'ipvs')!.decidedBy;
  };
  t.is(await ipvsStep(), 'sh hash bucket 77 of 256 for source 10.244.1.2 → position 3 of 3');
  // the pod's template, 62 s after its last connection; the trace's port is the next one up from its first connection's
  t.is(await ipvsStep(...steps('ipvs-traffic')), 'persistence template 10.244.1.2 → 10.244.1.3:80 (1738 s of 1800 s left)');
});

test("a new connection never takes a live connection's 4-tuple: the same seed twice gives ports of their own", async (t) => {
  const r = await knet('rules', 'ipvs', ...IPVS, '--connections', ...steps('ipvs-traffic-same-seed'));
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    'IPVS connection entries\npro expire state       source             virtual            destination\n' +
      'TCP 30:00  NONE        10.244.1.2:0       10.1.0.2:80        10.244.1.3:80\n' +
      'TCP 14:58  ESTABLISHED 10.244.1.2:33098   10.1.0.2:80        10.244.1.3:80\n' +
      'TCP 14:59  ESTABLISHED 10.244.1.2:60347   10.1.0.2:80        10.244.1.3:80\n' +
      // the second step drew 33098 and 60347 again: the next ports up
      'TCP 14:59  ESTABLISHED 10.244.1.2:33099   10.1.0.2:80        10.244.1.3:80\n' +
      'TCP 15:00  ESTABLISHED 10.244.1.2:60348   10.1.0.2:80        10.244.1.3:80\n',
  );
});

test('conntrack entries expire on the clock, after the timeouts kube-proxy and the kernel give them', async (t) => {
  const node = ['--node', 'k8s-node1'];
  const before = await knet('conntrack', ...node, ...steps('conntrack-expiry'));
  t.is(before.code, 0, before.err);
  t.is(
    before.out,
    [
      // kube-proxy's conntrack.tcpEstablishedTimeout (24h) in nf_conntrack_tcp_timeout_established, less 29 s
      'tcp      6 86371 ESTABLISHED src=10.244.1.2 dst=10.1.0.2 sport=50470 dport=80 src=10.244.2.3 dst=10.244.1.2 sport=80 dport=50470 [ASSURED] mark=0 use=1',
      // a UDP flow answered once: nf_conntrack_udp_timeout's 30 s, not yet ASSURED (no stream)
      'udp      17 1 src=10.244.1.2 dst=10.1.0.10 sport=53496 dport=53 src=10.244.2.2 dst=10.244.1.2 sport=53 dport=53496 mark=0 use=1',
      '',
    ].join('\n'),
  );
  const after = await knet('conntrack', ...node, ...steps('conntrack-expiry-later'));
  t.is(after.out, before.out.split('\n')[0]!.replace(' 86371 ', ' 86370 ') + '\n');
  t.is(after.err, 'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
});

// The pod's resolver as glibc behaves (res_send.c, res_query.c, res_init.c): each rcode and each
// network failure on its own, the search walk's reaction, the options, /etc/hosts first, and in
// whole clusters: no kube-dns Service, no CoreDNS behind it, a CoreDNS that loops, an
// ExternalName followed through the upstream (query, the real server, and `knet trace`).
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyReply, type Reply } from '../../src/dns/answer.js';
import { query } from '../../src/dns/client.js';
import { resolverOptions, resSearch, sendTimeout, type Delivery, type Network } from '../../src/dns/glibc.js';
import { CorednsInstance } from '../../src/dns/instance.js';
import type { ResolvConf } from '../../src/dns/resolvconf.js';
import { startDnsServer } from '../../src/dns/server.js';
import { Cluster, loadCluster } from '../../src/cluster/cluster.js';
import { DEFAULT_TOPOLOGY, readTopologyText } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';

const conf = (nameservers: string[], searches: string[], options: string[] = []): ResolvConf => ({ nameservers, searches, options, policy: 'None', effective: 'none', warnings: [] });
const reply = (rcode: Reply['rcode'], answer = false): Delivery => ({
  kind: 'reply',
  reply: { ...emptyReply(rcode), ...(answer ? { answer: [{ name: 'x.', ttl: 5, type: 'A' as const, data: '192.0.2.1' }] } : {}) },
  from: 'test',
});
const TIMEOUT: Delivery = { kind: 'timeout', why: 'lost' };
const ICMP: Delivery = { kind: 'icmp', icmp: 'port unreachable', why: 'REJECT' };

/** A network from a table `NAME@NS` (or `NAME`) → delivery, logging every send. */
function net(table: Record<string, Delivery>, log: string[]): Network {
  return async (ns, name) => {
    const d = table[`${name}@${ns}`] ?? table[name] ?? reply('NXDOMAIN');
    log.push(`${name}@${ns} ${d.kind === 'reply' ? d.reply.rcode : d.kind}`);
    return d;
  };
}

test('options: glibc defaults, caps (ndots 15, timeout 30, attempts 5), later words win, unmodelled ones named', (t) => {
  t.deepEqual(resolverOptions(conf([], [])), { ndots: 1, timeout: 5, attempts: 2, unmodelled: [] });
  t.deepEqual(resolverOptions(conf([], [], ['ndots:5', 'ndots:2', 'timeout:1', 'attempts:3'])), { ndots: 2, timeout: 1, attempts: 3, unmodelled: [] });
  t.deepEqual(resolverOptions(conf([], [], ['ndots:20', 'timeout:99', 'attempts:9', 'rotate', 'single-request-reopen', 'bogus'])), { ndots: 15, timeout: 30, attempts: 5, unmodelled: ['rotate', 'single-request-reopen'] });
  // send_dg's wait: retrans << ns, divided by the server count past the first.
  t.deepEqual([0, 1, 2].map((i) => sendTimeout(5, i, 3)), [5, 3, 6]);
  t.is(sendTimeout(1, 1, 3), 1);
});

test('SERVFAIL and REFUSED send the query to the next nameserver; the second answers', async (t) => {
  const log: string[] = [];
  const r = await resSearch('web.example.com', 'A', conf(['10.0.0.1', '10.0.0.2'], []), resolverOptions(conf([], [])), net({ 'web.example.com.@10.0.0.1': reply('SERVFAIL'), 'web.example.com.@10.0.0.2': reply('NOERROR', true) }, log));
  t.deepEqual(log, ['web.example.com.@10.0.0.1 SERVFAIL', 'web.example.com.@10.0.0.2 NOERROR']);
  t.is(r.answer?.fqdn, 'web.example.com.');
  const log2: string[] = [];
  await resSearch('web.example.com', 'A', conf(['10.0.0.1', '10.0.0.2'], []), resolverOptions(conf([], [])), net({ 'web.example.com.@10.0.0.1': reply('REFUSED'), 'web.example.com.@10.0.0.2': reply('NOERROR', true) }, log2));
  t.deepEqual(log2, ['web.example.com.@10.0.0.1 REFUSED', 'web.example.com.@10.0.0.2 NOERROR']);
});

test('SERVFAIL from every server, every attempt: the search walk goes on to the next domain (got_servfail)', async (t) => {
  const log: string[] = [];
  const r = await resSearch('db', 'A', conf(['10.0.0.1'], ['a.local', 'b.local']), resolverOptions(conf([], [], ['ndots:5'])), net({ 'db.a.local.': reply('SERVFAIL'), 'db.b.local.': reply('NXDOMAIN'), 'db.': reply('NXDOMAIN') }, log));
  t.deepEqual(log, ['db.a.local.@10.0.0.1 SERVFAIL', 'db.a.local.@10.0.0.1 SERVFAIL', 'db.b.local.@10.0.0.1 NXDOMAIN', 'db.@10.0.0.1 NXDOMAIN']);
  t.deepEqual([r.queries[0]!.result, r.queries[0]!.errno], ['TRY_AGAIN', 'ETIMEDOUT']);
  // Nothing found, no NODATA on the way: the SERVFAIL seen earlier makes it TRY_AGAIN.
  t.is(r.herrno, 'TRY_AGAIN');
});

test('REFUSED from every server ends the search list; the name as typed is still tried last', async (t) => {
  const log: string[] = [];
  const r = await resSearch('db', 'A', conf(['10.0.0.1'], ['a.local', 'b.local']), resolverOptions(conf([], [], ['ndots:5', 'attempts:1'])), net({ 'db.a.local.': reply('REFUSED'), 'db.': reply('NOERROR', true) }, log));
  t.deepEqual(log, ['db.a.local.@10.0.0.1 REFUSED', 'db.@10.0.0.1 NOERROR']);
  t.is(r.stopped, 'REFUSED ends the search list');
  t.is(r.answer?.fqdn, 'db.');
});

test('a timeout ends the search list; the time is timeout × attempts per server, retrans << ns past the first', async (t) => {
  const log: string[] = [];
  const one = await resSearch('db', 'A', conf(['10.0.0.1'], ['a.local', 'b.local']), resolverOptions(conf([], [], ['ndots:5'])), net({ 'db.a.local.': TIMEOUT, 'db.': TIMEOUT }, log));
  t.deepEqual(log, ['db.a.local.@10.0.0.1 timeout', 'db.a.local.@10.0.0.1 timeout', 'db.@10.0.0.1 timeout', 'db.@10.0.0.1 timeout']);
  t.deepEqual([one.herrno, one.seconds, one.stopped], ['TRY_AGAIN', 20, 'a timeout ends the search list']);
  const three = await resSearch('db.', 'A', conf(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'], []), resolverOptions(conf([], [])), net({ 'db.': TIMEOUT }, []));
  // A fourth nameserver is past MAXNS (3); 5 + 3 + 6 seconds per round, two rounds.
  t.deepEqual(three.queries[0]!.sends.map((s) => `${s.nameserver} ${s.seconds}s`), ['10.0.0.1 5s', '10.0.0.2 3s', '10.0.0.3 6s', '10.0.0.1 5s', '10.0.0.2 3s', '10.0.0.3 6s']);
  t.is(three.seconds, 28);
  const short = await resSearch('db.', 'A', conf(['10.0.0.1'], []), resolverOptions(conf([], [], ['timeout:1', 'attempts:3'])), net({ 'db.': TIMEOUT }, []));
  t.deepEqual([short.queries[0]!.sends.length, short.seconds], [3, 3]);
});

test('an ICMP error from every server (no one listening): ECONNREFUSED ends the whole lookup at once', async (t) => {
  const log: string[] = [];
  const r = await resSearch('db', 'A', conf(['10.0.0.1'], ['a.local', 'b.local']), resolverOptions(conf([], [], ['ndots:5'])), net({ 'db.a.local.': ICMP }, log));
  t.deepEqual(log, ['db.a.local.@10.0.0.1 icmp', 'db.a.local.@10.0.0.1 icmp']);
  t.deepEqual([r.herrno, r.seconds, r.queries[0]!.errno], ['TRY_AGAIN', 0, 'ECONNREFUSED']);
});

test('ndots decides whether the name as typed goes first; a trailing dot asks only that; NODATA is remembered', async (t) => {
  const log: string[] = [];
  await resSearch('a.b', 'A', conf(['10.0.0.1'], ['s1', 's2']), resolverOptions(conf([], [], ['ndots:1'])), net({}, log));
  t.deepEqual(log, ['a.b.@10.0.0.1 NXDOMAIN', 'a.b.s1.@10.0.0.1 NXDOMAIN', 'a.b.s2.@10.0.0.1 NXDOMAIN']);
  const log2: string[] = [];
  const dot = await resSearch('a.b.', 'A', conf(['10.0.0.1'], ['s1']), resolverOptions(conf([], [])), net({}, log2));
  t.deepEqual([log2, dot.herrno], [['a.b.@10.0.0.1 NXDOMAIN'], 'HOST_NOT_FOUND']);
  const nodata = await resSearch('x', 'A', conf(['10.0.0.1'], ['s1', 's2']), resolverOptions(conf([], [], ['ndots:2'])), net({ 'x.s1.': reply('NOERROR') }, []));
  t.is(nodata.herrno, 'NO_DATA');
});

// ---- whole clusters ----

const dir = mkdtempSync(join(tmpdir(), 'knet-resolver-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(yaml: string): string {
  const f = join(dir, `t${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

const HEADER = (resolv: string): string => `apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  nodes:
    - {name: n1, ip: 192.168.0.1, roles: [control-plane], resolvConf: "${resolv}"}
    - {name: n2, ip: 192.168.0.2, resolvConf: "${resolv}"}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
networking: {dnsDomain: cluster.local, podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/12}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec:
  nodeName: n2
  hostname: client
  subdomain: sub
  hostAliases: [{ip: 10.0.0.5, hostnames: [legacy, legacy.corp]}, {ip: "2001:db8::5", hostnames: [legacy]}]
  containers: [{name: c}]
`;
const COREDNS = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      dnsPolicy: Default
      tolerations: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]
      containers: [{name: coredns, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]
`;
const KUBE_DNS = `---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: 10.96.0.10
  ports: [{name: dns, port: 53, protocol: UDP}, {name: dns-tcp, port: 53, protocol: TCP}]
`;
const LAN = 'nameserver 192.168.0.254\\nsearch lan\\n';
const STUB = 'nameserver 127.0.0.53\\noptions edns0 trust-ad\\nsearch lan\\n';

test('/etc/hosts answers first: hostAliases by family, the pod\'s own names; no DNS query is sent', async (t) => {
  const f = file(`${HEADER(LAN)}${COREDNS}${KUBE_DNS}`);
  const r = await knet('dns', 'resolve', 'legacy', '--from', 'client', '-f', f);
  t.is(
    r.out,
    `;; default/client resolves legacy A: nameserver 10.96.0.10, search default.svc.cluster.local svc.cluster.local cluster.local lan, ndots:5 timeout:5 attempts:2
HOSTS legacy -> 10.0.0.5 (/etc/hosts, from hostAliases: files comes before dns)
RESULT 10.0.0.5
;; no DNS query: /etc/hosts answered
`,
  );
  t.true((await knet('dns', 'resolve', 'LEGACY', 'AAAA', '--from', 'client', '-f', f)).out.includes('HOSTS LEGACY -> 2001:db8::5 (/etc/hosts, from hostAliases'));
  const own = await knet('dns', 'resolve', 'client.sub.default.svc.cluster.local', '--from', 'client', '-f', f);
  t.regex(own.out, /^HOSTS client\.sub\.default\.svc\.cluster\.local -> 10\.244\.\d+\.\d+ \(\/etc\/hosts: files comes before dns\)$/m);
  // A trailing dot is not the same name to the files source: DNS is asked.
  t.regex((await knet('dns', 'resolve', 'legacy.corp.', '--from', 'client', '-f', f)).out, /^TRY legacy\.corp A -> /m);
});

test('no kube-dns Service: the query is lost, each name times out twice (attempts:2, timeout:5), 20s in all', async (t) => {
  // The default cluster without its kube-dns Service: 10.1.0.10 leaves by the default route.
  const docs = readTopo().split('\n---\n').filter((d) => !(/^kind: Service$/m.test(d) && /^ {2}name: kube-dns$/m.test(d)));
  const f = file(docs.join('\n---\n'));
  const r = await knet('dns', 'resolve', 'nginx', '--from', 'pod-a', '-f', f);
  t.is(r.code, 0, r.err);
  const lost = '(EXITS_NETWORK: leaves k8s-node1 by eth0 via 192.168.2.1 towards 10.1.0.10 with source 192.168.2.101: outside the modelled machines)';
  t.is(
    r.out,
    `;; default/pod-a resolves nginx A: nameserver 10.1.0.10, search default.svc.cluster.local svc.cluster.local cluster.local, ndots:5 timeout:5 attempts:2
TRY nginx.default.svc.cluster.local A -> TIMEOUT
  10.1.0.10 attempt 1: no reply within 5s ${lost}
  10.1.0.10 attempt 2: no reply within 5s ${lost}
  res_send gives up after 2 sends (10s): ETIMEDOUT, h_errno TRY_AGAIN
TRY nginx A -> TIMEOUT
  10.1.0.10 attempt 1: no reply within 5s ${lost}
  10.1.0.10 attempt 2: no reply within 5s ${lost}
  res_send gives up after 2 sends (10s): ETIMEDOUT, h_errno TRY_AGAIN
;; a timeout ends the search list
RESULT TRY_AGAIN after 20s (getaddrinfo: EAI_AGAIN, "Temporary failure in name resolution")
;; 2 queries, 4 datagrams for one lookup (getaddrinfo sends A and AAAA for each name: twice that)
`,
  );
  // dnsConfig options change the cost: one attempt of 2s per name.
  const quick = file(docs.join('\n---\n').replace(/(name: pod-a\n(?:.*\n)*?spec:\n)/, '$1  dnsConfig: {options: [{name: timeout, value: "2"}, {name: attempts, value: "1"}]}\n'));
  const q = await knet('dns', 'resolve', 'nginx', '--from', 'pod-a', '-f', quick);
  t.true(q.out.includes('ndots:5 timeout:2 attempts:1\n'), q.out);
  t.true(q.out.includes('RESULT TRY_AGAIN after 4s '), q.out);
});

test('no route to the nameserver on the way: the node answers ICMP net unreachable, the lookup ends at once', async (t) => {
  const f = file(`${HEADER(LAN)}${COREDNS}`);
  const r = await knet('dns', 'resolve', 'nginx', '--from', 'client', '-f', f);
  t.deepEqual(r.out.split('\n').slice(1, 4), ['TRY nginx.default.svc.cluster.local A -> UNREACHABLE', '  10.96.0.10 attempt 1: ICMP net unreachable (NO_ROUTE: n1 has no route to 10.96.0.10)', '  10.96.0.10 attempt 2: ICMP net unreachable (NO_ROUTE: n1 has no route to 10.96.0.10)']);
  t.true(r.out.includes('RESULT TRY_AGAIN (getaddrinfo'));
});

test('kube-dns without a ready CoreDNS pod: kube-proxy REJECTs, the ICMP error ends the lookup at once', async (t) => {
  const f = file(`${HEADER(LAN)}${KUBE_DNS}`);
  const r = await knet('dns', 'resolve', 'nginx', '--from', 'client', '-f', f);
  const reject =
    '(NO_ENDPOINTS: kube-system/kube-dns:dns has no endpoints — filter KUBE-SERVICES rule 2: -A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable)';
  t.is(
    r.out,
    `;; default/client resolves nginx A: nameserver 10.96.0.10, search default.svc.cluster.local svc.cluster.local cluster.local lan, ndots:5 timeout:5 attempts:2
TRY nginx.default.svc.cluster.local A -> UNREACHABLE
  10.96.0.10 attempt 1: ICMP port unreachable ${reject}
  10.96.0.10 attempt 2: ICMP port unreachable ${reject}
  res_send gives up after 2 sends (0s): ECONNREFUSED, h_errno TRY_AGAIN
;; no nameserver answered at all (every send got an ICMP error): the lookup ends here
RESULT TRY_AGAIN (getaddrinfo: EAI_AGAIN, "Temporary failure in name resolution")
;; 1 query, 2 datagrams for one lookup (getaddrinfo sends A and AAAA for each name: twice that)
`,
  );
});

test('CoreDNS forwarding to the node\'s systemd-resolved stub loops: the loop plugin\'s FATAL line, the crash loop, the kubelet resolvConf fix', async (t) => {
  const f = file(`${HEADER(STUB)}${COREDNS}${KUBE_DNS}`);
  const c = loadCluster([f]);
  const pod = c.store.list('Pod', { namespace: 'kube-system' })[0]!.metadata.name;
  const warning = `CoreDNS in pod kube-system/${pod} crash-loops (CrashLoopBackOff): forward sends to 127.0.0.53 (from the pod's /etc/resolv.conf, dnsPolicy Default), which is this CoreDNS again; it logs `;
  const fix =
    " and exits. Fix: the node runs systemd-resolved, whose stub 127.0.0.53 is the pod's own loopback: set the kubelet's resolvConf: /run/systemd/resolve/resolv.conf (the file with the real upstream servers) in its KubeletConfiguration, or forward the Corefile to a real resolver";
  const q = await knet('dns', 'query', 'nginx.default.svc.cluster.local', '-f', f);
  const line = q.err.split('\n').find((l) => l.startsWith('Warning: CoreDNS'))!;
  t.true(line.startsWith(`Warning: ${warning}`), line);
  t.true(line.endsWith(fix), line);
  t.regex(line, / it logs \[FATAL\] plugin\/loop: Loop \(127\.0\.0\.1:\d+ -> :53\) detected for zone "\.", see https:\/\/coredns\.io\/plugins\/loop#troubleshooting\. Query: "HINFO \d+\.\d+\." and exits/);
  const r = await knet('dns', 'resolve', 'nginx', '--from', 'client', '-f', f);
  const lines = r.out.split('\n');
  t.is(lines[1], `;; ${line.slice('Warning: '.length)}`);
  t.deepEqual(lines.slice(2, 4), ['TRY nginx.default.svc.cluster.local A -> UNREACHABLE', `  10.96.0.10 attempt 1: ICMP port unreachable (nothing listens on port 53 in pod kube-system/${pod}: its CoreDNS crash-loops (plugin/loop))`]);
  t.true(r.out.includes('RESULT TRY_AGAIN (getaddrinfo: EAI_AGAIN'));
  // With the kubelet pointed at systemd-resolved's real file there is no loop.
  const fixed = file(`${HEADER(LAN)}${COREDNS}${KUBE_DNS}`);
  t.false((await knet('dns', 'query', 'nginx.default.svc.cluster.local', '-f', fixed)).err.includes('crash-loops'));
});

const EXTERNAL = `---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec: {type: ExternalName, externalName: db.example.com, ports: [{port: 5432}]}
`;

test.serial('ExternalName through the upstream: the real server answers CNAME plus the target\'s records; the trace follows it to the target', async (t) => {
  const up = await startFakeUpstream(['db.example.com. 60 IN A 192.0.2.9']);
  const c = new Cluster(readTopologyText(readTopo() + EXTERNAL));
  const server = await startDnsServer(new CorednsInstance(c, { upstream: (q) => query({ host: '127.0.0.1', port: up.port }, q, { timeoutMs: 10_000 }) }), { host: '127.0.0.1', port: 0 });
  try {
    // Generous timeouts: other test files keep both cores busy.
    const r = await query(server.address, { name: 'db.default.svc.cluster.local.', type: 'A' }, { timeoutMs: 20_000 });
    t.deepEqual(r.answer.map((x) => `${x.name} ${x.type} ${x.data}`), ['db.default.svc.cluster.local. CNAME db.example.com.', 'db.example.com. A 192.0.2.9']);
    const f = file(readTopo() + EXTERNAL);
    const tr = await knet('trace', 'pod-a', 'db', '-f', f, '--upstream', `127.0.0.1:${up.port}`, '--no-reply');
    t.is(tr.code, 0, tr.err);
    const lines = tr.out.split('\n');
    t.deepEqual(lines.slice(0, 7), [
      'resolve  db from pod default/pod-a (resolv.conf: ndots:5, search default.svc.cluster.local svc.cluster.local cluster.local)',
      '  ;; default/pod-a resolves db A: nameserver 10.1.0.10, search default.svc.cluster.local svc.cluster.local cluster.local, ndots:5 timeout:5 attempts:2',
      '  TRY db.default.svc.cluster.local A -> NOERROR',
      '  db.default.svc.cluster.local.\t30\tIN\tCNAME\tdb.example.com.',
      '  db.example.com.\t60\tIN\tA\t192.0.2.9',
      '  RESULT 192.0.2.9',
      '  ;; 1 query for one lookup (getaddrinfo sends A and AAAA for each name: twice that)',
    ]);
    // The connection goes to the target's address on the Service's port.
    t.true(lines.includes('flow     pod default/pod-a 10.244.1.2:50470 -> 192.0.2.9:5432/TCP'), tr.out);
    t.deepEqual(up.asked, ['db.example.com. A', 'db.example.com. A']);
    // Without an upstream CoreDNS has only the CNAME: the lookup ends with no address.
    const bare = await knet('trace', 'pod-a', 'db', '-f', f, '--no-reply');
    t.true(bare.out.includes('  RESULT NO_DATA (the name exists but has no address of that type)\n'), bare.out);
    t.true(bare.out.endsWith('verdict  db does not resolve (NO_DATA)\n'), bare.out);
  } finally {
    await server.close();
    await up.close();
  }
});

function readTopo(): string {
  return readFileSync(DEFAULT_TOPOLOGY, 'utf8');
}

test('an IPVS-mode cluster: the query is traced through IPVS to a CoreDNS pod behind kube-dns', async (t) => {
  const r = await knet('dns', 'resolve', 'kubernetes', '--from', 'pod-a', '-f', 'topologies/ipvs-sh-affinity.yaml', '-o', 'json');
  t.is(r.code, 0, r.err);
  const w = JSON.parse(r.out);
  t.deepEqual(w.result.addresses, ['10.1.0.1']);
  t.regex(w.queries[0].sends[0].from, /^CoreDNS in pod kube-system\/coredns-\S+$/);
});

test('a hostAliases entry whose ip is no address: one line naming the pod and field', async (t) => {
  const f = file(`${HEADER(LAN)}${COREDNS}${KUBE_DNS}`.replace('{ip: 10.0.0.5, hostnames: [legacy, legacy.corp]}', '{ip: 10.0.0.500, hostnames: [legacy]}'));
  const r = await knet('dns', 'resolve', 'legacy', '--from', 'client', '-f', f);
  t.is(r.code, 1);
  t.is(r.err, 'pod default/client: spec.hostAliases[0].ip: "10.0.0.500" must be a valid IP address\n');
});

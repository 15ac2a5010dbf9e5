// knet dns on the shipped topology and on small clusters: the record set, resolver walks,
// resolv.conf, the server following the store, truncation and TCP fallback, AXFR, forwarding,
// and every class of bad input.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCluster, Cluster } from '../../src/cluster/cluster.js';
import dnsPacket from 'dns-packet';
import { query, tcpExchange, encodeQuery, toReply, udpExchange } from '../../src/dns/client.js';
import { clusterDNS, CorednsInstance } from '../../src/dns/instance.js';
import { lookupFromPod, resolveFromPod, walkText } from '../../src/dns/resolver.js';
import { startDnsServer } from '../../src/dns/server.js';
import { readTopologyText } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'knet-dns-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(yaml: string): string {
  const f = join(dir, `t${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

const HEADER = `apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  nodes:
    - {name: n1, ip: 192.168.0.1, roles: [control-plane], resolvConf: "nameserver 192.168.0.254\\nsearch lan\\n"}
    - {name: n2, ip: 192.168.0.2, resolvConf: "nameserver 192.168.0.254\\nsearch lan\\n"}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
networking: {dnsDomain: cluster.local, podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/12}
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
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  clusterIP: 10.96.0.10
  ports: [{name: dns, port: 53, protocol: UDP}, {name: dns-tcp, port: 53, protocol: TCP}]
`;

test('dns records: the default topology as an AXFR listing, then what no transfer carries', async (t) => {
  const r = await knet('dns', 'records');
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    `cluster.local.\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1767225625 7200 1800 86400 30
cluster.local.\t30\tIN\tNS\tkube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc.cluster.local.\t0\tIN\tA\t10.1.0.10
kube-dns.kube-system.svc.cluster.local.\t30\tIN\tA\t10.1.0.10
kube-dns.kube-system.svc.cluster.local.\t30\tIN\tSRV\t0 100 53 kube-dns.kube-system.svc.cluster.local.
_dns._udp.kube-dns.kube-system.svc.cluster.local.\t30\tIN\tSRV\t0 100 53 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc.cluster.local.\t30\tIN\tSRV\t0 100 53 kube-dns.kube-system.svc.cluster.local.
_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local.\t30\tIN\tSRV\t0 100 53 kube-dns.kube-system.svc.cluster.local.
kube-dns.kube-system.svc.cluster.local.\t30\tIN\tSRV\t0 100 9153 kube-dns.kube-system.svc.cluster.local.
_metrics._tcp.kube-dns.kube-system.svc.cluster.local.\t30\tIN\tSRV\t0 100 9153 kube-dns.kube-system.svc.cluster.local.
kubernetes.default.svc.cluster.local.\t30\tIN\tA\t10.1.0.1
kubernetes.default.svc.cluster.local.\t30\tIN\tSRV\t0 100 443 kubernetes.default.svc.cluster.local.
_https._tcp.kubernetes.default.svc.cluster.local.\t30\tIN\tSRV\t0 100 443 kubernetes.default.svc.cluster.local.
nginx.default.svc.cluster.local.\t30\tIN\tA\t10.1.0.2
nginx.default.svc.cluster.local.\t30\tIN\tSRV\t0 100 80 nginx.default.svc.cluster.local.
cluster.local.\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1767225625 7200 1800 86400 30
;; XFR size: 16 records
; served by the kubernetes plugin but never transferred
dns-version.cluster.local.\t28800\tIN\tTXT\t"1.1.0"
1.0.1.10.in-addr.arpa.\t30\tIN\tPTR\tkubernetes.default.svc.cluster.local.
100.2.168.192.in-addr.arpa.\t30\tIN\tPTR\t192-168-2-100.kubernetes.default.svc.cluster.local.
10.0.1.10.in-addr.arpa.\t30\tIN\tPTR\tkube-dns.kube-system.svc.cluster.local.
2.0.244.10.in-addr.arpa.\t30\tIN\tPTR\t10-244-0-2.kube-dns.kube-system.svc.cluster.local.
2.2.244.10.in-addr.arpa.\t30\tIN\tPTR\t10-244-2-2.kube-dns.kube-system.svc.cluster.local.
2.0.1.10.in-addr.arpa.\t30\tIN\tPTR\tnginx.default.svc.cluster.local.
3.1.244.10.in-addr.arpa.\t30\tIN\tPTR\t10-244-1-3.nginx.default.svc.cluster.local.
3.2.244.10.in-addr.arpa.\t30\tIN\tPTR\t10-244-2-3.nginx.default.svc.cluster.local.
4.1.244.10.in-addr.arpa.\t30\tIN\tPTR\t10-244-1-4.nginx.default.svc.cluster.local.
`,
  );
  const z = await knet('dns', 'records', '--zone-file');
  t.true(z.out.startsWith('$ORIGIN cluster.local.\n$TTL 30\ncluster.local.\t30\tIN\tSOA\t'));
  t.is(z.out.split('\n').filter((l) => l.includes('\tSOA\t')).length, 1);
});

test('dns query: dig-style sections, and -o json', async (t) => {
  const r = await knet('dns', 'query', 'nope.default.svc.cluster.local');
  t.is(
    r.out,
    `;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN
;; flags: qr aa rd; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 0

;; QUESTION SECTION:
;nope.default.svc.cluster.local.\t\tIN\tA

;; AUTHORITY SECTION:
cluster.local.\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1767225625 7200 1800 86400 30

;; SERVER: pod kube-system/coredns-754bccc5bf-ndl7t (the record set, not over the network)
`,
  );
  const j = JSON.parse((await knet('dns', 'query', '_dns._udp.kube-dns.kube-system.svc.cluster.local', 'srv', '-o', 'json')).out);
  t.deepEqual(
    j.answer.map((a: { rdata: string }) => a.rdata),
    ['0 100 53 kube-dns.kube-system.svc.cluster.local.'],
  );
  t.deepEqual(j.additional.map((a: { name: string; rdata: string }) => `${a.name} ${a.rdata}`), ['kube-dns.kube-system.svc.cluster.local. 10.1.0.10']);
});

test.serial('dns resolve: the search walk pod-a makes for a short name, an external name and an FQDN with a dot', async (t) => {
  const up = await startFakeUpstream(['www.example.com. 300 IN A 192.0.2.80']);
  try {
    const r = await knet('dns', 'resolve', 'www.example.com', '--from', 'pod-a', '--upstream', `127.0.0.1:${up.port}`);
    t.is(
      r.out,
      `;; default/pod-a resolves www.example.com A: nameserver 10.1.0.10, search default.svc.cluster.local svc.cluster.local cluster.local, ndots:5 timeout:5 attempts:2
TRY www.example.com.default.svc.cluster.local A -> NXDOMAIN
TRY www.example.com.svc.cluster.local A -> NXDOMAIN
TRY www.example.com.cluster.local A -> NXDOMAIN
TRY www.example.com A -> NOERROR (forwarded upstream)
www.example.com.\t300\tIN\tA\t192.0.2.80
RESULT 192.0.2.80
;; 4 queries for one lookup (getaddrinfo sends A and AAAA for each name: twice that)
`,
    );
    t.deepEqual(up.asked, ['www.example.com. A']);
  } finally {
    await up.close();
  }
  const short = await knet('dns', 'resolve', 'nginx', '--from', 'default/pod-a');
  t.is(short.out.split('\n').filter((l) => l.startsWith('TRY')).join('\n'), 'TRY nginx.default.svc.cluster.local A -> NOERROR');
  const abs = await knet('dns', 'resolve', 'nginx.default.svc.cluster.local.', '--from', 'pod/pod-a');
  t.true(abs.out.includes('TRY nginx.default.svc.cluster.local A -> NOERROR\n'));
  t.true(abs.out.includes(';; 1 query for one lookup'));
});

test('the resolver walk as data, for the trace: a namespace name answers NODATA and the walk goes on', async (t) => {
  const c = loadCluster();
  const inst = new CorednsInstance(c);
  const w = await resolveFromPod(inst, c.store.get('Pod', 'default', 'pod-a')!, 'default');
  t.deepEqual(
    w.queries.map((q) => `${q.fqdn} ${q.outcome}`),
    ['default.default.svc.cluster.local. NXDOMAIN', 'default.svc.cluster.local. NODATA', 'default.cluster.local. NXDOMAIN', 'default. REFUSED'],
  );
  // The last name got REFUSED twice (attempts:2); glibc reports the NODATA it saw on the way.
  t.deepEqual(w.queries.map((q) => q.sends.length), [1, 1, 1, 2]);
  t.is(w.result.status, 'NO_DATA');
  t.true(walkText(w).includes('RESULT NO_DATA (the name exists but has no address of that type)\n'));
});

test('resolv-conf: pod-a on the default topology, and dnsPolicy Default on a node with a resolver file', async (t) => {
  t.is((await knet('dns', 'resolv-conf', 'pod-a')).out, 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.1.0.10\noptions ndots:5\n');
  const f = file(`${HEADER}---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: web}
spec: {nodeName: n2, dnsPolicy: Default, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: cf, namespace: web}
spec: {nodeName: n2, dnsConfig: {nameservers: [1.1.1.1, 8.8.8.8, 9.9.9.9]}, containers: [{name: c}]}
`);
  t.is((await knet('dns', 'resolv-conf', 'web/d', '-f', f)).out, 'search lan\nnameserver 192.168.0.254\n');
  const cf = await knet('dns', 'resolv-conf', 'cf', '-n', 'web', '-f', f);
  t.is(cf.out, 'search web.svc.cluster.local svc.cluster.local cluster.local lan\nnameserver 10.96.0.10\nnameserver 1.1.1.1\nnameserver 8.8.8.8\noptions ndots:5\n');
  t.true(cf.err.includes('Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 1.1.1.1 8.8.8.8'));
});

test('headless StatefulSet-style names, publishNotReadyAddresses with a terminating pod', async (t) => {
  const f = file(`${HEADER}${COREDNS}---
apiVersion: v1
kind: Service
metadata: {name: nginx, namespace: default}
spec: {clusterIP: None, selector: {app: web}, ports: [{name: web, port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: default, labels: {app: web}}
spec: {nodeName: n2, hostname: web-0, subdomain: nginx, containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: eager, namespace: default}
spec: {clusterIP: None, publishNotReadyAddresses: true, selector: {app: slow}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: slow, namespace: default, labels: {app: slow}, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {nodeName: n2, containers: [{name: c}]}
status: {phase: Running, podIP: 10.244.1.9, conditions: [{type: Ready, status: "False"}]}
`);
  const a = JSON.parse((await knet('dns', 'query', 'web-0.nginx.default.svc.cluster.local', '-f', f, '-o', 'json')).out);
  t.is(a.status, 'NOERROR');
  t.is(a.answer.length, 1);
  const srv = JSON.parse((await knet('dns', 'query', '_web._tcp.nginx.default.svc.cluster.local', 'SRV', '-f', f, '-o', 'json')).out);
  t.deepEqual(srv.answer.map((x: { rdata: string }) => x.rdata), ['0 100 80 web-0.nginx.default.svc.cluster.local.']);
  const eager = JSON.parse((await knet('dns', 'query', 'eager.default.svc.cluster.local', '-f', f, '-o', 'json')).out);
  t.deepEqual(eager.answer.map((x: { rdata: string }) => x.rdata), ['10.244.1.9']);
  const r = await knet('dns', 'resolve', 'web-0.nginx', '--from', 'web-0', '-f', f);
  t.true(r.out.includes('TRY web-0.nginx.default.svc.cluster.local A -> NOERROR'), r.out);
});

test.serial('the server follows the store: a Service created while serving answers at once', async (t) => {
  const c = loadCluster();
  const server = await startDnsServer(new CorednsInstance(c), { host: '127.0.0.1', port: 0 });
  try {
    const ep = server.address;
    t.is((await query(ep, { name: 'late.default.svc.cluster.local.', type: 'A' })).rcode, 'NXDOMAIN');
    c.store.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'default' }, spec: { selector: { app: 'nginx' }, ports: [{ port: 8080 }] } });
    c.settle();
    const r = await query(ep, { name: 'late.default.svc.cluster.local.', type: 'A' });
    t.is(r.rcode, 'NOERROR');
    t.deepEqual(r.answer.map((x) => x.data), [c.store.get('Service', 'default', 'late')!.spec.clusterIP]);
    // A Corefile edit is picked up too (reload), and a broken one keeps the running config.
    const cm = c.store.get('ConfigMap', 'kube-system', 'coredns')!;
    c.store.update({ ...cm, data: { Corefile: cm.data!.Corefile!.replace('ttl 30', 'ttl 7') } });
    t.is((await query(ep, { name: 'late.default.svc.cluster.local.', type: 'A' })).answer[0]!.ttl, 7);
    const cm2 = c.store.get('ConfigMap', 'kube-system', 'coredns')!;
    c.store.update({ ...cm2, data: { Corefile: 'garbage {' } });
    t.is((await query(ep, { name: 'late.default.svc.cluster.local.', type: 'A' })).answer[0]!.ttl, 7);
  } finally {
    await server.close();
  }
});

test.serial('UDP replies that do not fit are truncated; the client retries over TCP and gets them all', async (t) => {
  const pods = Array.from({ length: 60 }, (_, i) => `---
apiVersion: v1
kind: Pod
metadata: {name: p${i}, namespace: default, labels: {app: many}}
spec: {nodeName: n2, containers: [{name: c}]}
`).join('');
  const c = new Cluster(readTopologyText(`${HEADER}${COREDNS}---
apiVersion: v1
kind: Service
metadata: {name: many, namespace: default}
spec: {clusterIP: None, selector: {app: many}, ports: [{name: http, port: 80}]}
${pods}`));
  const server = await startDnsServer(new CorednsInstance(c), { host: '127.0.0.1', port: 0 });
  try {
    const q = { name: '_http._tcp.many.default.svc.cluster.local.', type: 'SRV' };
    // Without EDNS the UDP limit is 512 bytes.
    const udp = toReply(dnsPacket.decode(await udpExchange(server.address, encodeQuery(q, 1, false), 2000)));
    t.true(udp.tc, 'UDP reply has TC set');
    t.true(udp.answer.length < 60);
    const full = await query(server.address, q);
    t.false(full.tc);
    t.is(full.answer.length, 60);
    t.is(full.additional.length, 60);
  } finally {
    await server.close();
  }
});

test.serial('AXFR over TCP when the Corefile has transfer; refused over UDP and without it', async (t) => {
  const c = loadCluster();
  const cm = c.store.get('ConfigMap', 'kube-system', 'coredns')!;
  const plain = await startDnsServer(new CorednsInstance(c), { host: '127.0.0.1', port: 0 });
  try {
    const [r] = await tcpExchange(plain.address, encodeQuery({ name: 'cluster.local.', type: 'AXFR' }, 3), 3000);
    t.is(toReply(r!).rcode, 'REFUSED');
  } finally {
    await plain.close();
  }
  c.store.update({ ...cm, data: { Corefile: cm.data!.Corefile!.replace('    prometheus :9153', '    transfer {\n       to *\n    }\n    prometheus :9153') } });
  const server = await startDnsServer(new CorednsInstance(c), { host: '127.0.0.1', port: 0 });
  try {
    const msgs = await tcpExchange(server.address, encodeQuery({ name: 'cluster.local.', type: 'AXFR' }, 4), 3000, (p) => (p.answers ?? []).filter((a) => a.type === 'SOA').length > 0 && p !== undefined && (p.answers ?? []).length > 1);
    const rrs = msgs.flatMap((m) => toReply(m).answer);
    t.is(rrs.length, 16);
    t.is(rrs[0]!.type, 'SOA');
    t.is(rrs[15]!.type, 'SOA');
    t.is((await query(server.address, { name: 'cluster.local.', type: 'AXFR' })).rcode, 'REFUSED');
  } finally {
    await server.close();
  }
});

test.serial('forwarding: non-cluster names go to --upstream; REFUSED when there is none', async (t) => {
  const up = await startFakeUpstream(['example.org. 60 IN A 192.0.2.7']);
  try {
    const r = JSON.parse((await knet('dns', 'query', 'example.org', '--upstream', `127.0.0.1:${up.port}`, '-o', 'json')).out);
    t.true(r.forwarded);
    t.deepEqual(r.answer.map((a: { rdata: string }) => a.rdata), ['192.0.2.7']);
  } finally {
    await up.close();
  }
  const none = await knet('dns', 'query', 'example.org');
  t.true(none.out.includes('status: REFUSED'));
  t.true(none.out.includes(';; FORWARDED'));
});

test('bad input: one line naming the file, line and field; usage errors exit 2', async (t) => {
  const bad = file(`${HEADER}---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        kubernetes cluster.local {
           pods sometimes
        }
    }
`);
  const r = await knet('dns', 'query', 'x.default.svc.cluster.local', '-f', bad);
  t.is(r.code, 1);
  t.is(r.err.split(bad).join('FILE'), 'FILE:20: ConfigMap kube-system/coredns: data.Corefile line 3: kubernetes: pods: "sometimes" is not one of disabled, insecure, verified\n');
  const unknown = file(`${HEADER}---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        kubernetes cluster.local {
           autopathy
        }
`);
  const u = await knet('dns', 'records', '-f', unknown);
  t.is(u.code, 1);
  t.regex(u.err, /data\.Corefile line 1: unclosed "\{"\n$/);
  t.is((await knet('dns', 'query', 'x', 'BOGUS')).code, 2);
  t.is((await knet('dns', 'query', 'x', '--upstream', 'not-an-ip')).code, 2);
  t.is((await knet('dns', 'serve', '--listen', '300.1.1.1:53')).code, 2);
  const missing = await knet('dns', 'resolv-conf', 'ghost');
  t.is(missing.code, 1);
  t.is(missing.err, 'Error from server (NotFound): pods "ghost" not found in namespace "default"\n');
  const kc = file(`${HEADER}---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
clusterDNS: [10.96.0.300]
`);
  const k = await knet('dns', 'resolv-conf', 'x', '-f', kc);
  t.is(k.code, 1);
  t.is(k.err.split(kc).join('FILE'), 'FILE:15: KubeletConfiguration <unnamed>: clusterDNS[0]: "10.96.0.300" is not a valid IP address\n');
});

test('lookupFromPod: the trace integration gets the walk as data, one shared instance per cluster', async (t) => {
  const c = loadCluster();
  const w = await lookupFromPod(c, 'pod-a', 'nginx');
  t.deepEqual(
    w.queries.map((q) => ({ fqdn: q.fqdn, type: q.type, nameserver: q.nameserver, outcome: q.outcome })),
    [{ fqdn: 'nginx.default.svc.cluster.local.', type: 'A', nameserver: '10.1.0.10', outcome: 'NOERROR' }],
  );
  t.deepEqual(w.result.addresses, ['10.1.0.2']);
  t.is(clusterDNS(c), clusterDNS(c));
});

test('the answering instance: --instance picks a CoreDNS pod, --local-ip an instance outside the pods', async (t) => {
  const pods = loadCluster().store.list('Pod', { namespace: 'kube-system', selector: { matchLabels: { 'k8s-app': 'kube-dns' } } }).map((p) => p.metadata.name).sort();
  t.is(pods.length, 2);
  const ns = JSON.parse((await knet('dns', 'query', 'cluster.local', 'NS', '--instance', pods[1]!, '-o', 'json')).out);
  t.deepEqual(ns.answer.map((a: { rdata: string }) => a.rdata), ['kube-dns.kube-system.svc.cluster.local.']);
  t.is(ns.server, `pod kube-system/${pods[1]} (the record set, not over the network)`);
  const outside = JSON.parse((await knet('dns', 'query', 'cluster.local', 'NS', '--local-ip', '192.0.2.53', '-o', 'json')).out);
  t.deepEqual(outside.answer.map((a: { rdata: string }) => a.rdata), ['ns.dns.cluster.local.']);
  t.deepEqual(outside.additional.map((a: { name: string; rdata: string }) => `${a.name} ${a.rdata}`), ['ns.dns.cluster.local. 192.0.2.53']);
  const ghost = await knet('dns', 'query', 'cluster.local', 'NS', '--instance', 'ghost');
  t.is(ghost.code, 1);
  t.is(ghost.err, 'Error from server (NotFound): pods "ghost" not found in namespace "kube-system"\n');
});

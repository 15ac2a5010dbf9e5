// knet lab: the plan (always), and on a host with root and network namespaces the real thing —
// up, status, exec, verify against knet's traces, a hand-edited ruleset that verify must catch,
// down. Kernel tests use a prefix unique to this run and remove everything they made, also when
// they fail; without root or `ip netns` they report themselves skipped with the reason.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCluster } from '../../src/cluster/cluster.js';
import { labDown } from '../../src/lab/down.js';
import { labUnsupported } from '../../src/lab/host.js';
import { formatPlan, planLab } from '../../src/lab/plan.js';
import { readState, STATE_DIR, statePath } from '../../src/lab/state.js';
import { labInputs, labUp } from '../../src/lab/up.js';
import { judge, type Prediction } from '../../src/lab/verify.js';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

test('lab up --dry-run: the plan for the default topology, command by command', (t) => {
  const plan = planLab(labInputs(loadCluster()), 'knet');
  t.is(formatPlan(plan, 'responder.js'), golden('lab/kubeadm-3node.plan.sh', formatPlan(plan, 'responder.js')));
  t.deepEqual(
    plan.responders.map((r) => `${r.netns}: ${r.receiver} ${r.listen.join(',')}`),
    [
      // port 53 is knet's DNS server's (below); the metrics port a responder's
      'knet-pod-kube-system-coredns-754bccc5bf-xxvrt: pod kube-system/coredns-754bccc5bf-xxvrt tcp/9153',
      'knet-pod-default-nginx-6b97fcfcdd-25khw: pod default/nginx-6b97fcfcdd-25khw tcp/80',
      'knet-pod-default-nginx-6b97fcfcdd-m6qp9: pod default/nginx-6b97fcfcdd-m6qp9 tcp/80',
      'knet-pod-default-nginx-6b97fcfcdd-cdxqq: pod default/nginx-6b97fcfcdd-cdxqq tcp/80',
      'knet-pod-kube-system-coredns-754bccc5bf-ndl7t: pod kube-system/coredns-754bccc5bf-ndl7t tcp/9153',
      // the API server behind the kubernetes Service: a process on the control-plane node
      'knet-node-k8s-master: node k8s-master tcp/6443',
    ],
  );
  t.deepEqual(plan.dnsServers.map((d) => `${d.netns}: ${d.pod} ${d.ip}`), [
    'knet-pod-kube-system-coredns-754bccc5bf-ndl7t: kube-system/coredns-754bccc5bf-ndl7t 10.244.2.2',
    'knet-pod-kube-system-coredns-754bccc5bf-xxvrt: kube-system/coredns-754bccc5bf-xxvrt 10.244.0.2',
  ]);
  // Every pod namespace gets the kubelet's resolv.conf and hosts; hostNetwork pods are their node's.
  t.deepEqual(plan.files.filter((f) => f.path.includes('pod-a')), [
    { path: '/etc/netns/knet-pod-default-pod-a/resolv.conf', content: 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.1.0.10\noptions ndots:5\n' },
    {
      path: '/etc/netns/knet-pod-default-pod-a/hosts',
      content: '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost\tip6-localhost\tip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.244.1.2\tpod-a\n',
    },
  ]);
  t.is(plan.files.length, 12);
  t.deepEqual(plan.aliases.filter((a) => a.object.includes('kube-proxy')).map((a) => a.netns), ['knet-node-k8s-master', 'knet-node-k8s-node1', 'knet-node-k8s-node2']);
});

test('lab refuses a bad prefix (exit 2, one line)', async (t) => {
  const bad = await knet('lab', 'up', '--dry-run', '--prefix', 'No_Good');
  t.is(bad.code, 2);
  t.is(bad.err, 'error: --prefix "No_Good": use 1-12 lowercase letters, digits or dashes, starting with a letter or digit\n');
});

test('lab exec/verify without a lab: exit 2, one line', async (t) => {
  const reason = labUnsupported(['ip']);
  const r = await knet('lab', 'exec', '--prefix', 'nolab-xyz', 'k8s-node1', '--', 'true');
  t.is(r.code, 2);
  // Other runs' labs may be up meanwhile: then the refusal names their prefixes instead.
  const none = `knet lab: no lab with prefix "nolab-xyz" is up (${statePath('nolab-xyz')} does not exist)`;
  if (reason) t.is(r.err, `knet lab: ${reason}\n`);
  else t.true(r.err === `${none}; start one with knet lab up\n` || (r.err.startsWith(none) && /^; a lab is up with --prefix [a-z0-9-]+(, --prefix [a-z0-9-]+)*\n$/.test(r.err.slice(none.length))), r.err);
  t.is(r.out, '');
});

test('lab commands refuse without root, `ip netns`, iptables-restore or (IPVS) ipset (exit 2, one line naming the Debian package)', async (t) => {
  const root = process.getuid?.() === 0;
  if (!root) {
    const r = await knet('lab', 'status');
    t.is(r.code, 2);
    t.is(r.err, 'knet lab: needs root (network namespaces, veth and iptables in them)\n');
    return;
  }
  // As root: the built CLI run as nobody, and with a PATH that lacks the tools.
  const cli = (args: string[], opts: { env?: NodeJS.ProcessEnv; prefix?: string[] } = {}) => {
    const argv = [...(opts.prefix ?? []), process.execPath, 'bin/knet.js', ...args];
    return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: opts.env ?? process.env });
  };
  const setpriv = spawnSync('setpriv', ['--version']);
  if (setpriv.error) t.log('setpriv missing: the not-root refusal is not exercised as root');
  else {
    const nobody = cli(['lab', 'up', '--prefix', 'nobodylab'], { prefix: ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups'] });
    t.is(nobody.status, 2);
    t.is(nobody.stderr, 'knet lab: needs root (network namespaces, veth and iptables in them)\n');
  }
  const dir = mkdtempSync(join(tmpdir(), 'knet-path-'));
  try {
    const noIp = cli(['lab', 'exec', 'k8s-node1', '--', 'true'], { env: { ...process.env, PATH: dir } });
    t.is(noIp.status, 2);
    t.is(noIp.stderr, 'knet lab: `ip netns` is not available (ENOENT), needed for the namespaces, links, addresses and routes; install the Debian package iproute2 (apt-get install iproute2)\n');
    const link = (tool: string): void => symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(dir, tool));
    link('ip');
    link('bridge');
    const noIptables = cli(['lab', 'up', '--prefix', 'noiptables'], { env: { ...process.env, PATH: dir } });
    t.is(noIptables.status, 2);
    t.is(noIptables.stderr, 'knet lab: iptables-restore is not available (ENOENT), needed for the iptables rules; install the Debian package iptables (apt-get install iptables)\n');
    // an IPVS topology's plan also runs ipset restore: refused before its first command
    link('iptables-restore');
    link('sysctl');
    const noIpset = cli(['lab', 'up', '-f', 'topologies/ipvs-sh-affinity.yaml', '--prefix', 'noipset'], { env: { ...process.env, PATH: dir } });
    t.is(noIpset.status, 2);
    t.is(noIpset.stderr, "knet lab: ipset is not available (ENOENT), needed for IPVS mode's ipsets (ipset restore); install the Debian package ipset (apt-get install ipset)\n");
    t.false(existsSync(statePath('noipset')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verify judges: an unpredicted backend, a drop that answered, a broken affinity', (t) => {
  const answer = (receiver: string, endpoint: string, peer = '10.244.1.2:4000') => ({ outcome: 'answered' as const, answer: `${receiver} ${endpoint} ${peer}`, local: '10.244.1.2:4000' });
  const lb: Prediction = {
    sticky: false,
    expectations: [
      { outcome: 'answered', receiver: 'pod default/a', endpoint: '10.244.1.3:80', client: '10.244.1.2', seenSource: '10.244.1.2' },
      { outcome: 'answered', receiver: 'pod default/b', endpoint: '10.244.2.3:80', client: '10.244.1.2', seenSource: '10.244.1.2' },
    ],
  };
  t.deepEqual(judge(lb, [answer('pod default/a', '10.244.1.3:80'), answer('pod default/b', '10.244.2.3:80')]), { agree: true, problems: [] });
  t.deepEqual(judge(lb, [answer('pod default/c', '10.244.2.4:80')]).problems, ['connection 1: answered by pod default/c on 10.244.2.4:80, which knet does not predict']);
  t.deepEqual(judge(lb, [answer('pod default/a', '10.244.1.3:80', '10.244.1.0:5000')]).problems, ['connection 1: pod default/a saw the source 10.244.1.0; knet predicts 10.244.1.2']);
  t.deepEqual(judge({ ...lb, sticky: true }, [answer('pod default/a', '10.244.1.3:80'), answer('pod default/b', '10.244.2.3:80')]).problems, [
    'knet predicts ClientIP affinity, but the answers came from pod default/a, pod default/b',
  ]);
  const drop: Prediction = { sticky: false, expectations: [{ outcome: 'failed', verdict: 'DROPPED', accept: ['timeout'] }] };
  t.deepEqual(judge(drop, [{ outcome: 'timeout' }]), { agree: true, problems: [] });
  t.deepEqual(judge(drop, [{ outcome: 'refused', code: 'ECONNREFUSED' }]).problems, ['connection 1: refused (ECONNREFUSED), which knet does not predict']);
  t.deepEqual(judge(drop, [answer('pod default/a', '10.244.1.3:80')]).problems, ['connection 1: answered by pod default/a on 10.244.1.3:80, which knet does not predict']);
});

// ---- in the kernel ----

const reason = labUnsupported(['ip', 'iptables-restore', 'sysctl']);
const kernelTest = reason ? test.skip : test.serial;
const skipped = reason ? ` — skipped: ${reason}` : '';
const runTag = `k${process.pid.toString(36)}`.slice(0, 8);
const used: string[] = [];

function prefixFor(name: string): string {
  const p = `${runTag}${name}`;
  used.push(p);
  return p;
}

function netnsWith(prefix: string): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}

if (!reason) mkdirSync('/etc/netns', { recursive: true });

/** Whatever happened, nothing of this run's labs stays behind. */
test.after.always(() => {
  if (reason) return;
  for (const p of used) {
    const s = readState(p);
    if (s) labDown(s);
    for (const n of netnsWith(p)) spawnSync('ip', ['netns', 'del', n]);
    for (const d of readdirSync('/etc/netns').filter((x) => x.startsWith(`${p}-`))) rmSync(`/etc/netns/${d}`, { recursive: true, force: true });
  }
});

async function down(t: { is: (a: unknown, b: unknown, m?: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void }, prefix: string): Promise<void> {
  const pids = readState(prefix)?.responders.map((r) => r.pid) ?? [];
  const r = await knet('lab', 'down', '--prefix', prefix);
  t.is(r.code, 0, r.err);
  t.deepEqual(netnsWith(prefix), [], 'no namespace left behind');
  t.deepEqual(readdirSync('/etc/netns').filter((n) => n.startsWith(`${prefix}-`)), [], 'no /etc/netns files left behind');
  // Killed children of this test process stay zombies until reaped: those count as gone.
  const running = (pid: number): boolean => existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  t.deepEqual(pids.filter(running), [], 'no responder or DNS server left running');
  t.is(existsSync(statePath(prefix)), false, 'record removed');
}

kernelTest(`default topology: up, status, exec, verify agrees on every flow, up again refused, down leaves nothing${skipped}`, async (t) => {
  const prefix = prefixFor('a');
  try {
    const up = await knet('lab', 'up', '--prefix', prefix);
    t.is(up.code, 0, up.err);
    t.regex(up.out, new RegExp(`^lab ${prefix} is up: 11 namespaces, 6 responders, 2 DNS servers, 150 commands in `));
    t.regex(up.out, new RegExp(`\ntry: knet lab exec --prefix ${prefix} pod-a -- curl -s http://nginx/; knet lab verify --prefix ${prefix}\n$`));

    const status = await knet('lab', 'status', '--prefix', prefix);
    t.regex(status.out, new RegExp(`^lab ${prefix}: 11 namespaces, 6 responders, 2 DNS servers, from \\(default topology\\)`));
    t.is(status.out.split('\n').filter((l) => / up {3}/.test(l)).length, 11);

    // The node's and a pod's real routes are what `knet ip route` prints.
    for (const target of [['k8s-node1', '--node'], ['pod-a', '--pod']] as const) {
      const real = await knet('lab', 'exec', '--prefix', prefix, target[0], '--', 'ip', 'route');
      t.is(real.code, 0, real.err);
      t.is(real.out, (await knet('ip', 'route', target[1], target[0])).out, target[0]);
    }
    // Every node's routes, and flannel's neighbours and FDB entries (hash-walk order: as sets).
    const sorted = (x: string) => x.split('\n').filter(Boolean).sort();
    const rulesets = labInputs(loadCluster()).rulesets;
    for (const node of ['k8s-master', 'k8s-node1', 'k8s-node2']) {
      const exec = (...cmd: string[]) => knet('lab', 'exec', '--prefix', prefix, node, '--', ...cmd);
      t.is((await exec('ip', 'route')).out, (await knet('ip', 'route', '--node', node)).out, node);
      t.deepEqual(sorted((await exec('ip', 'neigh', 'show', 'dev', 'flannel.1')).out), sorted((await knet('ip', 'neigh', 'show', 'dev', 'flannel.1', '--node', node)).out), node);
      t.deepEqual(sorted((await exec('bridge', 'fdb', 'show', 'dev', 'flannel.1')).out), sorted((await knet('bridge', 'fdb', 'show', 'dev', 'flannel.1', '--node', node)).out), node);
      t.is((await exec('sysctl', '-n', 'net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables')).out, '1\n1\n', node);
      // The kernel holds exactly the ruleset knet traces walk (packet counters aside).
      const bare = (x: string) => x.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\[\d+:\d+\]/g, '[0:0]');
      t.is(bare((await exec('iptables-save')).out), bare(rulesets.get(node)!), node);
    }
    // The seed exercise: exec into a pod and reach a Service by name (the kubelet's resolv.conf and
    // hosts bind-mounted by ip netns exec, knet's DNS server in the CoreDNS pods, HTTP from the responder).
    const inPod = (...cmd: string[]) => knet('lab', 'exec', '--prefix', prefix, 'pod-a', '--', ...cmd);
    t.is((await inPod('cat', '/etc/resolv.conf')).out, (await knet('dns', 'resolv-conf', 'pod-a')).out);
    t.regex((await inPod('cat', '/etc/hosts')).out, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n(?:.*\n){5}10\.244\.1\.2\tpod-a\n$/);
    const curl = await inPod('curl', '-s', '-m', '5', 'http://nginx/');
    t.is(curl.code, 0, curl.err);
    t.regex(curl.out, /^pod default\/nginx-6b97fcfcdd-\w+ 10\.244\.\d+\.\d+:80 10\.244\.1\.2:\d+\n$/);
    const head = await inPod('curl', '-si', '-m', '5', 'http://nginx.default.svc.cluster.local/');
    t.regex(head.out, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain\r\nContent-Length: \d+\r\nConnection: close\r\n\r\npod default\/nginx-/);
    t.is((await inPod('dig', '+short', '+time=2', '+tries=1', 'nginx.default.svc.cluster.local')).out, '10.1.0.2\n');
    t.is((await inPod('getent', 'hosts', 'nginx')).out, '10.1.0.2        nginx.default.svc.cluster.local\n');
    t.is((await inPod('dig', '+short', '+time=2', '+tries=1', '-x', '10.1.0.2')).out, 'nginx.default.svc.cluster.local.\n');
    // A hostNetwork pod is its node's namespace.
    const proxy = loadCluster().store.list('Pod', { namespace: 'kube-system' }).find((p) => p.spec.nodeName === 'k8s-node1' && p.metadata.name.startsWith('kube-proxy-'))!;
    t.is((await knet('lab', 'exec', '--prefix', prefix, `kube-system/${proxy.metadata.name}`, '--', 'ip', 'route')).out, (await knet('ip', 'route', '--node', 'k8s-node1')).out);

    const fails = await knet('lab', 'exec', '--prefix', prefix, 'k8s-node1', '--', 'ip', 'link', 'show', 'dev', 'nosuchdev');
    t.is(fails.code, 1);
    t.regex(fails.err, /exited with status 1\n$/);

    const again = await knet('lab', 'up', '--prefix', prefix);
    t.is(again.code, 2);
    t.regex(again.err, new RegExp(`^knet lab: namespace ${prefix}-\\S+ already exists \\(prefix "${prefix}" is in use\\); run knet lab down --prefix ${prefix} or choose another --prefix\n$`));

    const v = await knet('lab', 'verify', '--prefix', prefix, '--samples', '3', '--timeout', '4000');
    t.is(v.code, 0, v.out);
    const lines = v.out.trimEnd().split('\n');
    t.is(lines.at(-1), '76 agree, 0 disagree');
    t.is(lines.filter((l) => l.startsWith('agree ')).length, 76);
    t.true(lines.some((l) => l.startsWith('agree    ext/laptop -> 192.168.2.102:30000/tcp (NodePort of svc default/nginx on k8s-node2)')));
    // The DNS flows are real queries; the reply's NSID names the CoreDNS pod that answered.
    t.true(lines.some((l) => /^agree {4}default\/pod-a -> 10\.1\.0\.10:53\/udp \(svc kube-system\/kube-dns\) {2}kernel: kube-system\/coredns-\S+( ×3|.*) {2}knet: DELIVERED to 2 endpoints$/.test(l)), v.out);
    // One query per Service from the client pod, answered in the lab as knet dns answers it.
    t.deepEqual(lines.slice(-4, -1), [
      'agree    default/pod-a -> 10.1.0.10:53/udp (DNS kubernetes.default.svc.cluster.local. A)  lab: NOERROR kubernetes.default.svc.cluster.local. A 10.1.0.1  knet dns: NOERROR kubernetes.default.svc.cluster.local. A 10.1.0.1',
      'agree    default/pod-a -> 10.1.0.10:53/udp (DNS nginx.default.svc.cluster.local. A)  lab: NOERROR nginx.default.svc.cluster.local. A 10.1.0.2  knet dns: NOERROR nginx.default.svc.cluster.local. A 10.1.0.2',
      'agree    default/pod-a -> 10.1.0.10:53/udp (DNS kube-dns.kube-system.svc.cluster.local. A)  lab: NOERROR kube-dns.kube-system.svc.cluster.local. A 10.1.0.10  knet dns: NOERROR kube-dns.kube-system.svc.cluster.local. A 10.1.0.10',
    ]);
    const other = await knet('lab', 'verify', '--prefix', prefix, '-f', 'topologies/blue-green-canary.yaml');
    t.is(other.code, 2);
    t.is(other.err, `knet lab verify: lab "${prefix}" was built from the default topology, not from topologies/blue-green-canary.yaml; verify it without -f, or run knet lab down --prefix ${prefix} and up again with that topology\n`);
  } finally {
    await down(t, prefix);
  }
});

kernelTest(`a step that fails halfway: up reports it and removes what it had created${skipped}`, async (t) => {
  const prefix = prefixFor('f');
  const plan = planLab(labInputs(loadCluster()), prefix);
  // Break the plan after the first node's namespaces exist: a route through a device that is not there.
  const at = plan.commands.findIndex((c) => c.argv.join(' ') === `ip netns add ${prefix}-node-k8s-node1`);
  plan.commands.splice(at, 0, { argv: ['ip', '-n', `${prefix}-node-k8s-master`, 'route', 'add', '10.99.0.0/16', 'dev', 'nosuchdev'] });
  const err = await t.throwsAsync(labUp(plan, []));
  t.is(err?.message, `knet lab: \`ip -n ${prefix}-node-k8s-master route add 10.99.0.0/16 dev nosuchdev\` failed: Cannot find device "nosuchdev" (everything created was removed again)`);
  t.deepEqual(netnsWith(prefix), []);
  t.is(existsSync(statePath(prefix)), false);
});

kernelTest(`a pod file that is already there is not the lab's: up refuses, removes what it made, and leaves that file${skipped}`, async (t) => {
  const prefix = prefixFor('e');
  const plan = planLab(labInputs(loadCluster()), prefix);
  const foreign = plan.files.find((f) => f.path.endsWith('pod-a/hosts'))!.path;
  mkdirSync(foreign.slice(0, foreign.lastIndexOf('/')), { recursive: true });
  writeFileSync(foreign, '# someone else\'s\n');
  try {
    const err = await t.throwsAsync(labUp(plan, []));
    t.is(err?.message, `knet lab: ${foreign} already exists; it is not this lab's (remove it or choose another --prefix) (everything created was removed again)`);
    t.deepEqual(netnsWith(prefix), []);
    t.is(readFileSync(foreign, 'utf8'), "# someone else's\n");
    // Only the other namespace directories it had written are gone.
    t.deepEqual(readdirSync('/etc/netns').filter((n) => n.startsWith(`${prefix}-`)), [`${prefix}-pod-default-pod-a`]);
    t.false(existsSync(statePath(prefix)));
  } finally {
    rmSync(foreign.slice(0, foreign.lastIndexOf('/')), { recursive: true, force: true });
  }
});

kernelTest(`blue-green-canary, and with ClientIP affinity: verify agrees, affinity sticks${skipped}`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-lab-'));
  const sticky = join(dir, 'blue-green-sticky.yaml');
  const text = readFileSync('topologies/blue-green-canary.yaml', 'utf8');
  const withAffinity = text.replace('  selector:\n    app: web\n  ports:', '  selector:\n    app: web\n  sessionAffinity: ClientIP\n  ports:');
  t.not(withAffinity, text);
  writeFileSync(sticky, withAffinity);
  try {
    for (const [name, file, expected] of [['b', 'topologies/blue-green-canary.yaml', '89 agree, 0 disagree'], ['c', sticky, '89 agree, 0 disagree']] as const) {
      const prefix = prefixFor(name);
      try {
        const up = await knet('lab', 'up', '--prefix', prefix, '-f', file);
        t.is(up.code, 0, up.err);
        const v = await knet('lab', 'verify', '--prefix', prefix, '--samples', '4', '--timeout', '4000');
        t.is(v.code, 0, v.out);
        const lines = v.out.trimEnd().split('\n');
        t.is(lines.at(-1), expected, file);
        const web = lines.filter((l) => l.includes('(svc default/web)'));
        t.true(web.length > 0);
        // With affinity every answer of a flow comes from one backend, and knet says so.
        if (file === sticky) t.true(web.every((l) => l.endsWith('(sticky)') && /kernel: default\/web-\S+ ×4 /.test(l)), web.join('\n'));
        else t.true(web.every((l) => !l.endsWith('(sticky)')));
      } finally {
        await down(t, prefix);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

kernelTest(`a hand-edited ruleset makes knet wrong, and verify says so with the kernel's evidence${skipped}`, async (t) => {
  const prefix = prefixFor('d');
  try {
    const up = await knet('lab', 'up', '--prefix', prefix);
    t.is(up.code, 0, up.err);
    // On every node, point the kubernetes Service's DNAT at a port nothing listens on.
    for (const node of ['k8s-master', 'k8s-node1', 'k8s-node2']) {
      const ns = `${prefix}-node-${node}`;
      const saved = spawnSync('ip', ['netns', 'exec', ns, 'iptables-save'], { encoding: 'utf8' }).stdout;
      const edited = saved.replace('--to-destination 192.168.2.100:6443', '--to-destination 192.168.2.100:6444');
      t.not(edited, saved);
      t.is(spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore'], { input: edited }).status, 0);
    }
    const v = await knet('lab', 'verify', '--prefix', prefix, '--samples', '2', '--timeout', '4000');
    t.is(v.code, 1);
    t.is(v.err, 'knet lab verify: 9 of 76 checks disagree with knet\n');
    const lines = v.out.trimEnd().split('\n');
    t.is(lines.at(-1), '67 agree, 9 disagree');
    const disagree = lines.filter((l) => l.startsWith('DISAGREE'));
    t.is(disagree.length, 9);
    t.true(disagree.every((l) => / -> 10\.1\.0\.1:443\/tcp \(svc default\/kubernetes\) {2}kernel: refused ×2 {2}knet: DELIVERED to 192\.168\.2\.100:6443$/.test(l)), disagree.join('\n'));
    t.true(lines.includes('  connection 1: refused (ECONNREFUSED), which knet does not predict'));
    t.true(lines.includes('  knet trace default/pod-a 10.1.0.1:443 --proto tcp --all-paths:'));
    // The kernel's side: the edited rule counted the extra connection.
    t.true(lines.some((l) => /^ {6}nat {4}\[1 pkts\] -A KUBE-SEP-\S+ -p tcp -m comment --comment "default\/kubernetes:https" -m tcp -j DNAT --to-destination 192\.168\.2\.100:6444$/.test(l)));
    t.true(lines.includes('    one more connection: refused'));
  } finally {
    await down(t, prefix);
  }
});

kernelTest(`an up killed halfway (SIGKILL): its record lists what exists, and down removes exactly that${skipped}`, async (t) => {
  const prefix = prefixFor('k');
  const child = spawn(process.execPath, ['bin/knet.js', 'lab', 'up', '--prefix', prefix], { stdio: 'ignore', detached: true });
  // Kill it once the record shows a few namespaces (creation is under way): each write renames the record into place.
  mkdirSync(STATE_DIR, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const watcher = watch(STATE_DIR, () => {
      let n = 0;
      try {
        n = readState(prefix)?.namespaces.length ?? 0;
      } catch {
        return; // caught between write and rename
      }
      if (n < 4) return;
      watcher.close();
      process.kill(-child.pid!, 'SIGKILL');
      resolve();
    });
    child.on('exit', () => {
      watcher.close();
      reject(new Error('lab up finished before it could be killed'));
    });
  });
  await new Promise((r) => child.once('exit', r));
  const s = readState(prefix)!;
  t.false(s.complete);
  // Everything of the prefix that exists is in the record (at most the last one recorded is not there yet).
  const present = netnsWith(prefix);
  const recorded = s.namespaces.map((n) => n.name);
  t.deepEqual(present.filter((n) => !recorded.includes(n)), []);
  t.true(recorded.length - present.length <= 1, `${recorded.length} recorded, ${present.length} present`);
  const status = await knet('lab', 'status', '--prefix', prefix);
  t.regex(status.out, /\(INCOMPLETE: up did not finish\)/);
  // Something with the lab's prefix that the lab did not create: down leaves it alone.
  const foreign = `${prefix}-foreign`;
  spawnSync('ip', ['netns', 'add', foreign]);
  mkdirSync(`/etc/netns/${foreign}`, { recursive: true });
  writeFileSync(`/etc/netns/${foreign}/resolv.conf`, 'nameserver 192.0.2.53\n');
  const d = await knet('lab', 'down', '--prefix', prefix);
  t.is(d.code, 0, d.err);
  t.regex(d.out, new RegExp(`^lab ${prefix} is down: ${present.length} namespaces deleted, 0 processes stopped(, 1 already gone)?\n$`));
  t.deepEqual(netnsWith(prefix), [foreign]);
  t.true(existsSync(`/etc/netns/${foreign}/resolv.conf`));
  t.false(existsSync(statePath(prefix)));
  spawnSync('ip', ['netns', 'del', foreign]);
  rmSync(`/etc/netns/${foreign}`, { recursive: true, force: true });
});

test('lab up --dry-run on the dual-stack topology: IPv6 addresses without DAD, IPv6 routes, ip6tables-restore, DNS servers on both pod IPs', (t) => {
  const plan = planLab(labInputs(loadCluster(['topologies/dual-stack.yaml'])), 'knet');
  const text = formatPlan(plan, 'responder.js');
  t.is(text, golden('lab/dual-stack.plan.sh', text));
  t.deepEqual(plan.dnsServers.map((d) => d.ip), ['10.244.2.2,fd00:10:244:2::2', '10.244.0.2,fd00:10:244::2']);
});

kernelTest(`dual-stack topology: verify agrees on every IPv4 and IPv6 flow${skipped}`, async (t) => {
  const prefix = prefixFor('d');
  try {
    const up = await knet('lab', 'up', '--prefix', prefix, '-f', 'topologies/dual-stack.yaml');
    t.is(up.code, 0, up.err);
    t.is(up.err, '');
    const v = await knet('lab', 'verify', '--prefix', prefix, '--samples', '2', '--timeout', '4000');
    t.is(v.code, 0, v.out);
    const lines = v.out.trimEnd().split('\n');
    t.is(lines.at(-1), '110 agree, 0 disagree');
    // pod → Service, pod → pod across nodes and node → Service, each over IPv6 too
    t.true(lines.some((l) => /^agree {4}default\/pod-a -> \[fd00:10:1::\w+\]:80\/tcp \(svc default\/nginx\)/.test(l)), v.out);
    t.true(lines.some((l) => /^agree {4}default\/pod-a -> \[fd00:10:244:2::3\]:80\/tcp /.test(l)), v.out);
    t.true(lines.some((l) => /^agree {4}node\/k8s-master -> \[fd00:10:1::\w+\]:80\/tcp /.test(l)), v.out);
    const curl = await knet('lab', 'exec', '--prefix', prefix, 'pod-a', '--', 'curl', '-gs', 'http://[fd00:10:1::1]/');
    t.regex(curl.out, /^pod default\/nginx-\S+ \[fd00:10:244:[12]::\d\]:80 \[fd00:10:244:1::2\]:\d+\n$/);
  } finally {
    await down(t, prefix);
  }
});

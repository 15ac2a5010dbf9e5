// kube-proxy's packet-flow expectations (vectors with flows.yaml) through the real walker:
// `knet trace IP@NODE IP:PORT --all-paths -o json` must reach exactly the endpoints the test
// lists (or drop/reject), with the same masquerade decision.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { Cluster } from '../../src/cluster/cluster.js';
import { trace } from '../../src/dataplane/trace.js';
import type { Trace } from '../../src/dataplane/types.js';
import { readTopologyText } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { loadVectors, vectorTopology, type VectorInput } from '../helpers/iptables-vector.js';

function tracerNode(localIPs: string[]): VectorInput {
  const v4 = localIPs.filter((ip) => !ip.includes(':'));
  return {
    proxier: {
      ipFamily: 'IPv4',
      nodeName: 'test-node',
      nodeIP: v4[0]!,
      hostAddresses: { lo: ['127.0.0.1/8'], eth0: v4.map((ip) => `${ip}/24`) },
      localDetector: { mode: 'None' },
      masqueradeAll: false,
      masqueradeMark: '0x4000',
      localhostNodePorts: true,
      conntrackTCPLiberal: false,
      nfacct: {},
      iptablesHasRandomFully: false,
    },
  };
}

interface Flow {
  name: string;
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol?: string;
  output: string;
  masq: boolean;
}
interface Phase {
  phase: string;
  apply?: { op: string; kind: string; namespace: string; name: string }[];
  flows: Flow[];
}

const dir = mkdtempSync(join(tmpdir(), 'knet-flows-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** What the kube-proxy test's tracer would print for a trace: endpoints, or DROP/REJECT. */
function outcome(t: Trace): { output: string; masq: boolean } {
  const outs = new Set<string>();
  for (const p of t.paths) {
    if (p.rule && / -j (DROP|REJECT)/.test(p.rule)) outs.add(p.rule.match(/ -j (DROP|REJECT)/)![1]!);
    else if (p.dnat) outs.add(p.endpoint);
    // The test's tracer also reports an ACCEPT from kube-proxy's own filter chains (health-check node ports).
    const accepted = p.hops.some((h) => h.steps.some((s) => s.kind === 'netfilter' && s.table === 'filter' && KUBE_FILTER_CHAINS.has(s.chain) && / -j ACCEPT$/.test(s.rule)));
    if (accepted) outs.add('ACCEPT');
  }
  return { output: [...outs].sort().join(', '), masq: t.paths.some((p) => p.masqueraded) };
}

const KUBE_FILTER_CHAINS = new Set(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']);

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

const sorted = (s: string) => s.split(', ').filter(Boolean).sort().join(', ');

for (const v of loadVectors()) {
  const flowsFile = join(v.dir, 'flows.yaml');
  if (!existsSync(flowsFile)) continue;
  const flows = YAML.parse(readFileSync(flowsFile, 'utf8')) as { phases: Phase[]; localIPs: string[] };
  const tracerOnly = v.assertion.startsWith('flows (tracer only)');
  // The tracer-only case has no proxier: a node holding the flow file's local addresses runs the rules.
  const input: VectorInput = tracerOnly ? tracerNode(flows.localIPs) : v.input;
  const node = input.proxier.nodeName;
  test(`flows ${v.name}`, async (t) => {
    const file = join(dir, `${v.name}.yaml`);
    writeFileSync(file, vectorTopology(input));
    let extra: string[] = [];
    if (tracerOnly) {
      // rules.txt has unquoted multi-word comments, which the real iptables-restore refuses; so does knet.
      const rules = join(v.dir, 'rules.txt');
      const refused = await knet('trace', `10.0.0.2@${node}`, '10.0.0.3:80', '--iptables-save', `${node}=${rules}`, '-f', file);
      t.is(refused.code, 1);
      t.regex(refused.err, /rules\.txt:\d+: unexpected argument "\w+" \(in -A \w+\)/);
      // Quoted as iptables-save would print them, the same rules load and are traced.
      const quoted = join(dir, `${v.name}.rules`);
      writeFileSync(quoted, readFileSync(rules, 'utf8').replace(/--comment ((?:[^"\s-][^\s]*\s?)+?)(?=\s+-[mjg]\s)/g, (_m, c: string) => `--comment "${c.trim()}"`));
      extra = ['--iptables-save', `${node}=${quoted}`];
    }
    const [first, ...later] = flows.phases;
    for (const f of first!.flows) {
      const r = await knet('trace', `${f.sourceIP}@${node}`, hostPort(f.destIP, f.destPort), '--proto', (f.protocol ?? 'TCP').toLowerCase(), '--all-paths', '--no-reply', '-o', 'json', '-f', file, ...extra);
      t.is(r.code, 0, `${f.name}: ${r.err}`);
      const got = outcome(JSON.parse(r.out) as Trace);
      t.deepEqual(got, { output: sorted(f.output), masq: f.masq }, `${v.name} / ${first!.phase} / ${f.name}`);
    }
    if (later.length === 0) return;
    // Later phases change the API state on a running cluster and trace again.
    const cluster = new Cluster(readTopologyText(vectorTopology(v.input), `${v.name}.yaml`));
    for (const ph of later) {
      for (const op of ph.apply ?? []) {
        if (op.op === 'delete') cluster.store.delete(op.kind as 'Service', op.namespace, op.name);
      }
      cluster.settle();
      for (const f of ph.flows) {
        const tr = trace(cluster, `${f.sourceIP}@${node}`, hostPort(f.destIP, f.destPort), { proto: (f.protocol ?? 'TCP').toLowerCase() as 'tcp', allPaths: true, reply: false });
        t.deepEqual(outcome(tr), { output: sorted(f.output), masq: f.masq }, `${v.name} / ${ph.phase} / ${f.name}`);
      }
    }
  });
}

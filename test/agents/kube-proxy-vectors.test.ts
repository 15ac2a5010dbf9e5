// kube-proxy's own iptables test cases (test/vectors/iptables), run through knet's public
// loader and CLI: full and partial restore inputs, single chains, large-cluster line checks,
// rule presence, and the save form against what the real iptables-save printed.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeProxyIptables } from '../../src/agents/kube-proxy/iptables/agent.js';
import { formatRestore } from '../../src/kernel/netfilter/restore.js';
import { Rule } from '../../src/kernel/netfilter/rule.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { readTopologyText } from '../../src/topology/load.js';
import type { AnyObject } from '../../src/api/types.js';
import { knet } from '../helpers/cli.js';
import { familyFlag, loadVectors, vectorTopology, type Vector } from '../helpers/iptables-vector.js';

const vectors = loadVectors();
const dir = mkdtempSync(join(tmpdir(), 'knet-vectors-'));
const byNumber = new Map(vectors.map((v) => [v.name.slice(0, 2), v]));

function topologyFile(v: Vector): string {
  const f = join(dir, `${v.name}.yaml`);
  writeFileSync(f, vectorTopology(v.input));
  return f;
}

async function rules(v: Vector, ...args: string[]): Promise<string> {
  const r = await knet('rules', 'iptables', '-f', topologyFile(v), '--node', v.input.proxier.nodeName, ...familyFlag(v.input), ...args);
  if (r.code !== 0) throw new Error(`knet exited ${r.code}: ${r.err}`);
  return r.out;
}

/** knet's save form restricted to the chains kube-proxy's restore input declares (and the built-ins, without rules). */
function kubeProxyChainsOnly(save: string, restore: string): string {
  const own = new Set(restore.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!));
  const out: string[] = [];
  let table = '';
  for (const l of save.split('\n')) {
    if (l.startsWith('#') || l === '') continue;
    if (l.startsWith('*')) table = l.slice(1);
    if (table === 'mangle') continue;
    if (l.startsWith(':')) {
      const [name, policy] = l.slice(1).split(' ');
      if (policy !== '-' || own.has(name!)) out.push(l);
    } else if (l.startsWith('-A ')) {
      if (own.has(l.split(' ')[1]!)) out.push(l);
    } else out.push(l);
  }
  return out.join('\n') + '\n';
}

for (const v of vectors) {
  if (v.assertion === 'full-sorted') {
    test(`vector ${v.name}: full restore input`, async (t) => {
      t.is(await rules(v, '--format', 'restore'), v.expected!);
    });
    test(`vector ${v.name}: save form equals the real iptables-save`, async (t) => {
      const restore = await rules(v, '--format', 'restore');
      t.is(kubeProxyChainsOnly(await rules(v), restore), v.kernelSave!);
    });
  } else if (v.assertion === 'partial-sorted') {
    const prev = byNumber.get(String(Number(v.name.slice(0, 2)) - 1).padStart(2, '0'))!;
    test(`vector ${v.name}: partial restore input after ${prev.name}`, async (t) => {
      t.is(await rules(v, '--format', 'restore', '--since', topologyFile(prev)), v.expected!);
    });
    test(`vector ${v.name}: changed Services and chains found before the sync`, (t) => {
      const cluster = new Cluster(readTopologyText(vectorTopology(prev.input), `${prev.name}.yaml`));
      const node = cluster.topology.header.nodes[0]!;
      const agent = new KubeProxyIptables(cluster.store, node, cluster.topology.kubeProxy, 4);
      agent.sync();
      const next = readTopologyText(vectorTopology(v.input), `${v.name}.yaml`);
      applyObjects(cluster, next.objects.map((o) => o.object));
      const r = agent.sync();
      t.false(r.full);
      t.deepEqual(r.changed, v.input.sync!.changedServices);
      t.deepEqual(r.natChainsBefore(), v.input.sync!.natChainsBeforeSync);
      t.is(formatRestore(r.input), v.expected!);
    });
  } else if (v.assertion.startsWith('chain')) {
    test(`vector ${v.name}: ${String(v.assert!.table)} ${String(v.assert!.chain)}`, async (t) => {
      const out = await rules(v, '--format', 'restore', '--table', String(v.assert!.table));
      const lines = out.split('\n').filter((l) => l.startsWith(`-A ${String(v.assert!.chain)} `));
      t.is(lines.map((l) => l + '\n').join(''), v.expected!);
    });
  } else if (v.assertion === 'rule-presence') {
    test(`vector ${v.name}: KUBE-SERVICES rule for ${String(v.assert!.ruleWithDestination)}`, async (t) => {
      const out = await rules(v, '--format', 'restore', '--table', String(v.assert!.table));
      const present = out.split('\n').some((l) => l.startsWith(`-A ${String(v.assert!.chain)} `) && l.includes(` -d ${String(v.assert!.ruleWithDestination)} `));
      t.is(present, v.assert!.expectPresent as boolean);
      // the Service itself is still proxied through its cluster IP
      t.regex(out, /-A KUBE-SERVICES .*cluster IP/);
    });
  } else if (v.assertion === 'line-assertions') {
    test(`vector ${v.name}: large-cluster mode, step by step`, (t) => lineAssertions(t, v));
  }
}

/** Creates, replaces and deletes Services and EndpointSlices so the store holds exactly `objects`. */
function applyObjects(cluster: Cluster, objects: AnyObject[]): void {
  const want = new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  for (const kind of ['Service', 'EndpointSlice'] as const) {
    for (const o of cluster.store.list(kind)) {
      if (!want.has(`${kind}/${o.metadata.namespace}/${o.metadata.name}`)) cluster.store.delete(kind, o.metadata.namespace, o.metadata.name);
    }
  }
  for (const o of want.values()) {
    if (o.kind !== 'Service' && o.kind !== 'EndpointSlice') continue;
    const old = cluster.store.get(o.kind, o.metadata.namespace, o.metadata.name);
    if (!old) cluster.store.create(o);
    else if (JSON.stringify({ ...old, metadata: o.metadata }) !== JSON.stringify(o)) cluster.store.update({ ...o, metadata: { ...o.metadata } } as AnyObject);
  }
}

interface Step {
  step: number;
  do: string;
  apply?: { op: 'add' | 'delete'; object?: AnyObject; kind?: 'Service' | 'EndpointSlice'; namespace?: string; name?: string }[];
  countDNATLinesInSEPChains?: number;
  withComment?: number;
  lineContaining?: Record<string, string | null>;
  outputContains?: string[];
  outputDoesNotContain?: string[];
}

function lineAssertions(t: import('ava').ExecutionContext, v: Vector): void {
  const cluster = new Cluster(readTopologyText(vectorTopology(v.input), `${v.name}.yaml`));
  const node = cluster.topology.header.nodes[0]!;
  const agent = new KubeProxyIptables(cluster.store, node, cluster.topology.kubeProxy, 4, { now: () => cluster.clock.now() });
  const syncPeriod = 30_000;
  for (const step of (v.assert!.steps as Step[])) {
    for (const a of step.apply ?? []) {
      if (a.op === 'add') cluster.store.create(a.object!);
      else cluster.store.delete(a.kind!, a.namespace, a.name!);
    }
    if (/full sync/.test(step.do)) agent.forceFullSync();
    if (/lastIPTablesCleanup = now - syncPeriod/.test(step.do)) agent.lastCleanup = cluster.clock.now() - syncPeriod - 1; // the clock counts milliseconds
    else if (/lastIPTablesCleanup = now/.test(step.do)) agent.lastCleanup = cluster.clock.now();
    const out = formatRestore(agent.sync().input);
    const lines = out.split('\n');
    const dnat = lines.filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('-j DNAT'));
    const what = `step ${step.step} (${step.do})`;
    if (step.countDNATLinesInSEPChains !== undefined) t.is(dnat.length, step.countDNATLinesInSEPChains, what);
    if (step.withComment !== undefined) t.is(dnat.filter((l) => l.includes('--comment')).length, step.withComment, what);
    for (const [text, line] of Object.entries(step.lineContaining ?? {})) {
      const found = dnat.filter((l) => l.includes(text)).pop() ?? null;
      t.is(found, line, `${what}: line containing ${text}`);
    }
    for (const s of step.outputContains ?? []) t.true(out.includes(s), `${what}: output contains ${s}`);
    for (const s of step.outputDoesNotContain ?? []) t.false(out.includes(s), `${what}: output does not contain ${s}`);
  }
}

test('rules kube-proxy builds with their parsed form already given parse to exactly that form', (t) => {
  let checked = 0;
  for (const v of vectors.filter((x) => x.assertion === 'full-sorted')) {
    const cluster = new Cluster(readTopologyText(vectorTopology(v.input), `${v.name}.yaml`));
    const agent = new KubeProxyIptables(cluster.store, cluster.topology.header.nodes[0]!, cluster.topology.kubeProxy, v.input.proxier.ipFamily === 'IPv6' ? 6 : 4);
    for (const table of agent.sync().input.tables.values()) {
      for (const chain of table.chains.values()) {
        for (const r of chain.rules) {
          t.deepEqual(r.spec, Rule.parse(r.table, r.chain, r.text, r.family).spec, `${v.name}: -A ${r.chain} ${r.text}`);
          if (r.text.includes(' cluster IP" ')) checked++;
        }
      }
    }
  }
  t.true(checked > 10, `${checked} cluster IP rules`);
});

test('every vector is either run here or belongs to the dataplane (flows)', (t) => {
  const run = vectors.filter((v) => ['full-sorted', 'partial-sorted', 'line-assertions', 'rule-presence'].includes(v.assertion) || v.assertion.startsWith('chain'));
  const rest = vectors.filter((v) => !run.includes(v));
  t.is(run.length, 14);
  t.true(rest.every((v) => v.assertion.startsWith('flows')), rest.map((v) => `${v.name}: ${v.assertion}`).join(', '));
  t.log(`run here: ${run.length}; flows-only (dataplane issue): ${rest.length}`);
});

// kube-proxy's own IPVS test cases (test/vectors/ipvs), run through knet's loader and CLI:
// `knet rules ipvs` against the ipvsadm -Ln section, `knet rules ipset` against the asserted
// sets' entries, `knet rules iptables` against the asserted chains — as the vectors' README says.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeProxyIpvsFor } from '../../src/agents/kube-proxy/factory.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { Dataplane } from '../../src/dataplane/dataplane.js';
import { readTopologyText } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { ipvsVectorTopology, loadIpvsVectors, type IpvsVector } from './vector.js';

const vectors = loadIpvsVectors();
const dir = mkdtempSync(join(tmpdir(), 'knet-ipvs-vectors-'));

async function run(v: IpvsVector, what: string, ...args: string[]): Promise<string> {
  const f = join(dir, `${v.name}.yaml`);
  writeFileSync(f, ipvsVectorTopology(v.input));
  const fam = v.input.proxier.ipFamily === 'IPv6' ? ['--family', 'ipv6'] : [];
  const r = await knet('rules', what, '-f', f, '--node', v.input.proxier.nodeName, ...fam, ...args);
  if (r.code !== 0) throw new Error(`knet exited ${r.code}: ${r.err}`);
  return r.out;
}

/** ipvsadm prints the protocol with "%-4s " (docs/DEVIATIONS.md): SCTP is followed by one space, not the vectors' two. */
const ipvsadm = (line: string): string => line.replace(/^SCTP {2}/, 'SCTP ');

/** The -Ln listing cut into one block per virtual server (its line and its real servers). */
function blocks(listing: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const l of listing) {
    if (!l.startsWith('  ->') && /^(TCP|UDP|SCTP)/.test(l)) out.set(l, (cur = []));
    else if (l.startsWith('  -> ') && !l.startsWith('  -> RemoteAddress')) cur.push(l);
  }
  return out;
}

for (const v of vectors) {
  for (const sec of v.sections) {
    if (/ipvsadm -Ln|== IPVS/.test(sec.header)) {
      test(`${v.name}: ipvsadm -Ln`, async (t) => {
        const out = (await run(v, 'ipvs')).split('\n').filter(Boolean);
        const want = sec.lines.filter((l) => !l.startsWith('-A ') && !l.startsWith('-a ')).map(ipvsadm);
        const count = want.find((l) => l.startsWith('# virtual-server-count:'));
        if (count) {
          // checkIPVS: the number of virtual servers, and one of them in full
          const got = blocks(out);
          t.is(got.size, Number(count.split(':')[1]));
          const [vs, ...rs] = want.filter((l) => l !== count);
          t.deepEqual(got.get(vs!), rs);
        } else t.deepEqual(out, want);
        const save = sec.lines.filter((l) => l.startsWith('-A ') || l.startsWith('-a '));
        if (save.length) t.is(await run(v, 'ipvs', '--format', 'save'), save.map((l) => l + '\n').join(''));
      });
    } else if (/== ipset/.test(sec.header)) {
      test(`${v.name}: ipset entries of the asserted sets`, async (t) => {
        const adds = (await run(v, 'ipset')).split('\n').filter((l) => l.startsWith('add '));
        const sets = new Set(sec.lines.map((l) => l.split(' ')[1]!));
        t.deepEqual(adds.filter((l) => sets.has(l.split(' ')[1]!)).sort(), [...sec.lines].sort());
      });
    } else if (/== iptables-save/.test(sec.header)) {
      test(`${v.name}: iptables-save of the asserted chains`, async (t) => {
        const save = await run(v, 'iptables');
        let table = '';
        const want = new Map<string, string[]>();
        for (const l of sec.lines) {
          if (l.startsWith('*')) table = l.slice(1);
          else if (l.startsWith('-A ')) {
            const k = `${table} ${l.split(' ')[1]}`;
            want.set(k, [...(want.get(k) ?? []), l]);
          }
        }
        const got = new Map<string, string[]>();
        for (const l of save.split('\n')) {
          if (l.startsWith('*')) table = l.slice(1);
          else if (l.startsWith('-A ')) {
            const k = `${table} ${l.split(' ')[1]}`;
            if (want.has(k)) got.set(k, [...(got.get(k) ?? []), l]);
          }
        }
        t.deepEqual(Object.fromEntries(got), Object.fromEntries(want));
      });
    } else if (/== after deleting the EndpointSlice/.test(sec.header)) {
      // until --steps lands on main: the delete and the second sync through the agent API
      test(`${v.name}: after deleting the EndpointSlice and syncing again`, (t) => {
        const cluster = new Cluster(readTopologyText(ipvsVectorTopology(v.input), `${v.name}.yaml`));
        const node = v.input.proxier.nodeName;
        const kernel = Dataplane.of(cluster).kernels.get(node)!;
        kubeProxyIpvsFor(cluster, node, kernel);
        for (const s of cluster.store.list('EndpointSlice', { namespace: 'ns1' })) cluster.store.delete('EndpointSlice', 'ns1', s.metadata.name);
        kubeProxyIpvsFor(cluster, node, kernel);
        t.deepEqual([...kernel.ipsets.get('KUBE-LOOP-BACK')!.members.keys()], []);
        t.is(kernel.ipvs.services().length, 2);
        t.deepEqual(kernel.ipvs.services().map((s) => s.dests.length), [0, 0]);
      });
    } else throw new Error(`${v.name}: unknown section ${sec.header}`);
  }
}

test('every IPVS vector has its sections run', (t) => {
  t.is(vectors.length, 13);
  t.is(vectors.reduce((n, v) => n + v.sections.length, 0), 24);
});

// kube-proxy's nftables packet-flow cases (test/vectors/nftables nft-13 … nft-20), run through
// the kernel model's hook programs as kube-proxy's own test tracer walks them: prerouting
// (filter before DNAT, then nat), the DNAT applied, then input for a local destination or
// forward otherwise; every numgen branch is followed; masquerading is whether
// mark-for-masquerade was reached.
import test from 'ava';
import { kubeProxyNftables, nodeNftables } from '../../src/agents/kube-proxy/nftables/node.js';
import type { Choice } from '../../src/kernel/choice.js';
import { programsFor, type HookEnv, type HookName, type HookPacket } from '../../src/kernel/hooks.js';
import { nftPrograms } from '../../src/kernel/nftables/evaluate.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNftVectors, nftVectorTopology, type NftVector } from './vector.js';

const dir = mkdtempSync(join(tmpdir(), 'knet-nft-flows-'));
const vectors = loadNftVectors().filter((v) => !v.expected.includes('add table') && v.expected.trim() !== '');

interface Flow {
  name: string;
  proto: 'tcp' | 'udp' | 'sctp';
  src: string;
  dst: string;
  dport: number;
  output: string;
  masq: boolean;
}

function flows(v: NftVector): Flow[] {
  return v.expected
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, proto, src, dst, dport, output, masq] = l.split('\t');
      return { name: name!, proto: proto as Flow['proto'], src: src!, dst: dst!, dport: Number(dport), output: output ?? '', masq: masq === 'true' };
    });
}

/** One walk with the given numgen picks; records how many options each choice had. */
function walk(v: NftVector, programs: ReturnType<typeof nftPrograms>, f: Flow, picks: number[], seen: number[]): { out: string; masq: boolean } {
  const local = new Set(v.input.proxier.nodeIPs);
  let k = 0;
  const env: HookEnv = {
    addrType: (ip) => (local.has(ip) || ip.startsWith('127.') ? 'LOCAL' : 'UNICAST'),
    choose: (c: Choice) => {
      seen[k] = c.options.length;
      return picks[k++] ?? 0;
    },
    now: () => 0,
    ipsets: { test: () => undefined },
    ifaceOf: () => undefined,
  };
  const p: HookPacket = {
    family: 4, src: f.src, dst: f.dst, proto: f.proto, sport: 40000, dport: f.dport, mark: 0,
    ct: { state: 'NEW', dnat: false, snat: false, direction: 'original', origDst: f.dst, origDport: f.dport, mark: 0 },
  };
  let masq = false;
  let dnat: string | undefined;
  const run = (hook: HookName): string | undefined => {
    for (const prog of programsFor(programs, 4, hook)) {
      const r = prog.run(p, env);
      p.mark = r.mark;
      if (r.evidence.some((e) => e.kind === 'rule' && e.chain === 'mark-for-masquerade')) masq = true;
      if (r.verdict === 'drop') return 'DROP';
      if (r.verdict === 'reject') return 'REJECT';
      if (r.nat?.kind === 'DNAT' && r.nat.addr) {
        dnat = `${r.nat.addr}:${r.nat.port ?? p.dport}`;
        p.dst = r.nat.addr;
        p.dport = r.nat.port ?? p.dport;
        p.ct = { ...p.ct, dnat: true };
      }
    }
    return undefined;
  };
  const verdict = run('prerouting') ?? run(env.addrType(p.dst) === 'LOCAL' ? 'input' : 'forward');
  return { out: verdict ?? dnat ?? '', masq };
}

/** Every numgen branch: the endpoints reached (in branch order), or the verdict. */
function trace(v: NftVector, programs: ReturnType<typeof nftPrograms>, f: Flow): { output: string; masq: boolean } {
  const outs: string[] = [];
  let masq = false;
  let picks: number[] = [];
  for (;;) {
    const seen: number[] = [];
    const r = walk(v, programs, f, picks, seen);
    if (!outs.includes(r.out)) outs.push(r.out);
    masq ||= r.masq;
    // next combination of picks (odometer over the choices this walk met)
    const next = seen.map((_, i) => picks[i] ?? 0);
    let i = next.length - 1;
    while (i >= 0 && next[i]! + 1 >= seen[i]!) i--;
    if (i < 0) break;
    picks = [...next.slice(0, i), next[i]! + 1];
  }
  return { output: outs.join(', '), masq };
}

for (const v of vectors) {
  test(`vector ${v.name}: every packet flow`, (t) => {
    const file = join(dir, `${v.name}.yaml`);
    writeFileSync(file, nftVectorTopology(v.input));
    const cluster = loadCluster([file]);
    kubeProxyNftables(cluster, v.input.proxier.nodeName, 4);
    const programs = nftPrograms(nodeNftables(cluster, v.input.proxier.nodeName));
    const got = flows(v).map((f) => ({ ...f, ...trace(v, programs, f) }));
    t.deepEqual(got, flows(v));
  });
}

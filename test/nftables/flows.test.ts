// kube-proxy's nftables packet-flow cases (test/vectors/nftables nft-13 … nft-20) at CLI level:
// each flow is `knet trace SRC@NODE DST:PORT --proto P --all-paths -o json` on the vector's
// topology, and the endpoints every numgen branch reaches (in branch order), or kube-proxy's
// REJECT / DROP, and whether mark-for-masquerade was hit, are what the test tracer expects.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trace } from '../../src/dataplane/types.js';
import { knet } from '../helpers/cli.js';
import { loadNftVectors, nftVectorTopology, type NftVector } from './vector.js';

const dir = mkdtempSync(join(tmpdir(), 'knet-nft-flows-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const vectors = loadNftVectors().filter((v) => !v.expected.includes('add table') && v.expected.trim() !== '');

interface Flow {
  name: string;
  proto: string;
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
      return { name: name!, proto: proto!, src: src!, dst: dst!, dport: Number(dport), output: output ?? '', masq: masq === 'true' };
    });
}

/** The test tracer's answer read from a trace: the DNAT targets of all paths, or REJECT / DROP, or nothing. */
function outcome(tr: Trace): { output: string; masq: boolean } {
  const outs: string[] = [];
  for (const p of tr.paths) {
    const o = p.verdict === 'REJECTED' || p.verdict === 'NO_ENDPOINTS' ? 'REJECT' : p.verdict === 'DROPPED' ? 'DROP' : p.dnat ? p.endpoint : '';
    if (!outs.includes(o)) outs.push(o);
  }
  const masq = tr.paths.some((p) => p.hops.some((h) => h.steps.some((s) => s.kind === 'netfilter' && s.tool === 'nft' && s.chain === 'mark-for-masquerade')));
  return { output: outs.join(', '), masq };
}

const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

for (const v of vectors) {
  test(`vector ${v.name}: every packet flow through knet trace --all-paths -o json`, async (t) => {
    const file = join(dir, `${v.name}.yaml`);
    writeFileSync(file, nftVectorTopology(v.input));
    const node = v.input.proxier.nodeName;
    const got: Flow[] = [];
    for (const f of flows(v)) {
      const r = await knet('trace', `${f.src}@${node}`, hostPort(f.dst, f.dport), '--proto', f.proto, '--all-paths', '--no-reply', '-o', 'json', '-f', file);
      t.is(r.code, 0, `${f.name}: ${r.err}`);
      got.push({ ...f, ...outcome(JSON.parse(r.out) as Trace) });
    }
    t.deepEqual(got, flows(v));
  });
}

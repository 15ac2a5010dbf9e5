// ClientIP affinity in nftables mode as a trace sees it: --all-paths starts every branch from a
// fresh kernel (the affinity sets the packet path fills are emptied with conntrack), and a
// connection kept by an `affinity-…` set lookup is marked as an affinity pick.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';

const topo = join(mkdtempSync(join(tmpdir(), 'knet-nft-affinity-')), 'nft.yaml');
writeFileSync(topo, readFileSync('topologies/ipvs-sh-affinity.yaml', 'utf8').replace(/^mode: ipvs$/m, 'mode: nftables'));

interface Path { endpoint: string; probability: number; affinity: boolean }

test('--all-paths: each endpoint once with 1/3, none by affinity', async (t) => {
  const r = await knet('trace', '-f', topo, 'pod-a', 'svc/echoc/nginx-service', '--all-paths', '-o', 'json');
  t.is(r.code, 0, r.err);
  const paths = (JSON.parse(r.out) as { paths: Path[] }).paths.map((p) => [p.endpoint, p.probability, p.affinity]);
  t.deepEqual(paths, [
    ['10.244.1.3:80', 1 / 3, false],
    ['10.244.1.4:80', 1 / 3, false],
    ['10.244.2.3:80', 1 / 3, false],
  ]);
});

test('--count 3: the second and third connections are affinity picks of the first endpoint', async (t) => {
  const r = await knet('trace', '-f', topo, 'pod-a', 'svc/echoc/nginx-service', '--count', '3', '-o', 'json');
  t.is(r.code, 0, r.err);
  const conns = (JSON.parse(r.out) as { paths: Path[] }[]).map((x) => [x.paths[0]!.endpoint, x.paths[0]!.affinity]);
  t.deepEqual(conns, [conns[0]![0], conns[0]![0], conns[0]![0]].map((e, i) => [e, i > 0]));
});

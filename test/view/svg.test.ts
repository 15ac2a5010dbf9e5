// knet view and knet trace -o svg|html on the default topology: the SVG parses as XML and names
// every node, device, pod, Service and hop as the cluster's kernels and the typed trace say; the
// structure equals the committed goldens (`npm run pictures` writes them); the page is offline.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Element } from '@xmldom/xmldom';
import { PICTURE_CASES, VIEW_GOLDEN_DIR, knetOut, parseSvg, svgStructure } from '../../scripts/pictures.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { Dataplane } from '../../src/dataplane/dataplane.js';
import { trace } from '../../src/dataplane/trace.js';
import type { Step, Trace } from '../../src/dataplane/types.js';
import { viewId } from '../../src/view/model.js';
import { tracePicture } from '../../src/view/render.js';
import { knet } from '../helpers/cli.js';

const NODEPORT = ['trace', 'ext/laptop', 'node/k8s-node2:30000'];

function byId(root: Element, id: string): Element | undefined {
  return Array.from(root.getElementsByTagName('g')).find((g) => g.getAttribute('id') === id);
}

function textOf(e: Element | undefined): string[] {
  return e ? Array.from(e.getElementsByTagName('text')).map((t) => (t.textContent ?? '').trim()) : [];
}

function withClass(root: Element, cls: string): Element[] {
  return Array.from(root.getElementsByTagName('g')).filter((g) => (g.getAttribute('class') ?? '').split(' ').includes(cls));
}

for (const [name] of PICTURE_CASES) {
  test(`SVG structure equals test/golden/view/${name}.txt`, async (t) => {
    const file = join(VIEW_GOLDEN_DIR, `${name}.txt`);
    if (!existsSync(file)) return t.fail(`test/golden/view/${name}.txt is missing: run npm run pictures and commit it`);
    const args = PICTURE_CASES.find(([n]) => n === name)![1];
    t.is(svgStructure(await knetOut([...args, '-o', 'svg'])), readFileSync(file, 'utf8'));
  });
}

test('knet view: every node, device, pod and Service of the cluster, by name, with what the kernels hold', async (t) => {
  const root = parseSvg(await knetOut(['view', '-o', 'svg']));
  const cluster = loadCluster([]);
  const dp = Dataplane.of(cluster);
  t.deepEqual(textOf(byId(root, 'underlay')), ['underlay', '192.168.2.0/24 · MTU 1500']);
  t.deepEqual(textOf(byId(root, 'ext-laptop')), ['laptop', '192.168.2.50', 'external client']);
  for (const n of cluster.topology.header.nodes) {
    const podCIDR = cluster.store.get('Node', undefined, n.name)!.spec.podCIDR!;
    t.deepEqual(textOf(byId(root, viewId('node', n.name))), [`${n.name} · ${n.ip}`, `podCIDR ${podCIDR}`, `kube-proxy iptables${n.roles.length ? ` · ${n.roles.join(',')}` : ''}`]);
    const k = dp.node(n.name)!;
    const links = k.root.links().filter((l) => l.kind !== 'loopback' && l.kind !== 'veth');
    t.deepEqual(links.map((l) => l.name).sort(), ['cni0', 'eth0', 'flannel.1'], n.name);
    for (const l of links) {
      const text = textOf(byId(root, viewId('dev', n.name, l.name)));
      t.is(text[0], l.name);
      const addrs = k.root.addresses.filter((a) => a.dev === l.name && a.scope !== 'link').map((a) => `${a.address}/${a.prefix}`);
      const last = `${addrs.join(' ')} mtu ${l.mtu}`;
      if (l.kind === 'vxlan') t.deepEqual(text.slice(1), [`vxlan VNI ${l.vni} port ${l.port}`, `VTEP ${l.mac}`, `local ${l.local}`, last]);
      else t.deepEqual(text.slice(1), [`${l.kind} ${l.mac}`, last]);
    }
    for (const sb of k.pods()) {
      const [ns, name] = sb.pod.split('/') as [string, string];
      const pod = cluster.store.get('Pod', ns, name)!;
      const labels = Object.entries(pod.metadata.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([a, b]) => `${a}=${b}`);
      t.deepEqual(textOf(byId(root, viewId('pod', sb.pod))), [name, `${pod.status!.podIP} · ${ns}`, ...labels, `eth0 ⇄ ${sb.hostVeth}`]);
    }
  }
  t.is(withClass(root, 'pod').length, 6);
  for (const s of cluster.store.list('Service')) {
    const text = textOf(byId(root, viewId('svc', `${s.metadata.namespace}/${s.metadata.name}`)));
    t.is(text[0], `svc ${s.metadata.namespace}/${s.metadata.name}`);
    t.is(text[1], `${s.spec.type ?? 'ClusterIP'} ${s.spec.clusterIP}`);
  }
  t.deepEqual(textOf(byId(root, 'svc-default-nginx')).slice(2), ['ports 80:30000/TCP', '→ 10.244.1.3 80/TCP', '→ 10.244.1.4 80/TCP', '→ 10.244.2.3 80/TCP']);
});

/** The callout lines the typed steps of a route call for: NAT rewrites and VXLAN encapsulations. */
function expectedNotes(hops: Trace['paths'][number]['hops'], tag: (hop: number) => string): string[] {
  return hops.flatMap((h, i) =>
    h.steps.flatMap((s) => (s.kind === 'nat' ? [`${tag(i + 1)} ${s.nat} ${s.before} → ${s.after}`] : s.kind === 'vxlan-encap' ? [`${tag(i + 1)} VXLAN VNI ${s.vni} → ${s.outerDst}:${s.dstPort}`] : [])),
  );
}

test('knet trace -o svg, cross-node NodePort: every hop drawn and numbered, NAT and VXLAN where they happen, the verdicts, the reply dashed', async (t) => {
  const root = parseSvg(await knetOut([...NODEPORT, '-o', 'svg']));
  const tr = trace(loadCluster([]), 'ext/laptop', 'node/k8s-node2:30000');
  const p = tr.paths[0]!;
  t.deepEqual(p.hops.map((h) => `${h.node} ${h.netns}`), ['laptop root', 'k8s-node2 root', 'k8s-node1 root', 'k8s-node1 pod default/nginx-6b97fcfcdd-m6qp9']);
  const segs = withClass(root, 'seg');
  for (const [list, tag, n] of [[p.hops, 'h', ''], [p.reply!.hops, 'r', 'R']] as const) {
    for (let i = 1; i <= list.length; i++) {
      const mine = segs.filter((g) => g.getAttribute('class')!.split(' ').includes(`p1-${tag}${i}`));
      // The last hop sends nothing on; its verdict is its callout.
      if (i < list.length) t.true(mine.length > 0 && mine.every((g) => textOf(g)[0] === `${n}${i}`), `hop ${n}${i} has numbered segments`);
      else t.true(withClass(root, 'callout').some((g) => g.getAttribute('class')!.split(' ').includes(`p1-${tag}${i}`)), `last hop ${n}${i} has its verdict`);
    }
  }
  t.true(segs.filter((g) => g.getAttribute('class')!.includes(' reply ')).every((g) => g.getElementsByTagName('path')[0]!.getAttribute('stroke-dasharray') !== null));
  const notes = withClass(root, 'callout').flatMap((g) => textOf(g));
  const want = [...expectedNotes(p.hops, String), ...expectedNotes(p.reply!.hops, (i) => `R${i}`), 'DELIVERED', 'reply DELIVERED'];
  t.deepEqual([...notes].sort(), [...want].sort());
  t.true(notes.includes('2 DNAT 192.168.2.102:30000 → 10.244.1.3:80'));
  t.true(notes.includes('2 VXLAN VNI 1 → 192.168.2.101:8472'));
  // The DNAT is drawn beside the stack of the node that rewrote it.
  const leader = withClass(root, 'leader').find((g) => textOf(byId(root, g.getElementsByTagName('title')[0]!.textContent!.split('->')[1]!)).includes('2 DNAT 192.168.2.102:30000 → 10.244.1.3:80'));
  t.is(leader?.getElementsByTagName('title')[0]!.textContent, 'stack-k8s-node2->' + leader?.getElementsByTagName('title')[0]!.textContent!.split('->')[1]);
});

test('knet trace --all-paths -o svg: a segment\'s line weight is the summed probability of the paths through it', async (t) => {
  const root = parseSvg(await knetOut([...NODEPORT, '--all-paths', '-o', 'svg']));
  const tr = trace(loadCluster([]), 'ext/laptop', 'node/k8s-node2:30000', { allPaths: true });
  t.is(tr.paths.length, 3);
  const weights = new Set<string>();
  for (const g of withClass(root, 'seg').filter((x) => x.getAttribute('class')!.includes(' fwd '))) {
    const paths = new Set(g.getAttribute('class')!.split(' ').flatMap((c) => c.match(/^p(\d+)-h\d+$/)?.[1] ?? []));
    const p = [...paths].reduce((a, i) => a + tr.paths[Number(i) - 1]!.probability, 0);
    const w = Number(g.getElementsByTagName('path')[0]!.getAttribute('stroke-width'));
    t.is(w.toFixed(2), (1 + 4 * Math.min(1, p)).toFixed(2));
    weights.add(w.toFixed(2));
  }
  t.deepEqual([...weights].sort(), ['2.33', '3.67', '5.00']);
});

test('the same input gives the same bytes', async (t) => {
  t.is(await knetOut(['view', '-o', 'svg']), await knetOut(['view', '-o', 'svg']));
  t.is(await knetOut([...NODEPORT, '-o', 'html']), await knetOut([...NODEPORT, '-o', 'html']));
});

test('knet trace -o html: one offline page, every hop and reply hop listed with all its steps', async (t) => {
  const html = await knetOut([...NODEPORT, '-o', 'html']);
  t.regex(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">/);
  t.notRegex(html, /<script [^>]*src=|<link |<img |url\(|@import/);
  t.deepEqual([...new Set(html.match(/https?:\/\/[^"' )]+/g))].sort(), ['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
  const tr = trace(loadCluster([]), 'ext/laptop', 'node/k8s-node2:30000');
  const items = [...html.matchAll(/<li class="hop( reply)?" data-key="([^"]+)"[^>]*>(.*?)<\/li>/g)];
  t.deepEqual(items.map((m) => m[2]), ['p1-h1', 'p1-h2', 'p1-h3', 'p1-h4', 'p1-r1', 'p1-r2', 'p1-r3', 'p1-r4']);
  const hops = [...tr.paths[0]!.hops, ...tr.reply!.hops];
  items.forEach((m, i) => t.is(m[3]!.match(/<div class="step /g)?.length, hops[i]!.steps.length));
  t.true(html.includes('<div class="step k-netfilter"><span class="l">filter FLANNEL-FWD #1</span> -A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment &quot;flanneld forward&quot; -j ACCEPT</div>'));
});

test('a step kind the view does not know is listed with its fields, and the picture still draws', async (t) => {
  const cluster = loadCluster([]);
  const tr = trace(cluster, 'pod-a', 'svc/nginx');
  tr.paths[0]!.hops[0]!.steps.push({ kind: 'xdp', prog: 'cilium_xdp', verdict: 'XDP_PASS', attached: { dev: 'eth0' } } as unknown as Step);
  const html = await tracePicture(cluster, tr, 'html');
  t.true(html.includes('<div class="step k-xdp"><span class="l">xdp</span> prog=cilium_xdp verdict=XDP_PASS attached={&quot;dev&quot;:&quot;eth0&quot;}</div>'));
  t.notThrows(() => parseSvg(html.slice(html.indexOf('<svg '), html.indexOf('</svg>') + 6)));
});

test('pictures draw one flow: --count and DNS names are refused, formats are checked', async (t) => {
  t.deepEqual(await knet(...NODEPORT, '-o', 'svg', '--count', '2'), { code: 2, out: '', err: '-o svg draws one flow; it does not combine with --count\n' });
  t.deepEqual(await knet('trace', 'pod-a', 'nginx.default:80', '-o', 'html'), { code: 2, out: '', err: '-o html draws one flow: trace the address "nginx.default" resolves to (knet dns resolve nginx.default --from pod-a)\n' });
  const r = await knet('view', '-o', 'png');
  t.is(r.code, 2);
  t.regex(r.err, /error: option '-o, --output <format>' argument 'png' is invalid. Allowed choices are svg, html./);
});

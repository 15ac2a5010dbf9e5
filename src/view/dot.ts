// The diagram as Graphviz DOT: a cluster per node (eth0 at the top, VXLAN and dummy devices, the
// node's stack, the bridge, its pods), the Services' virtual IPs and external clients above the
// underlay; a trace adds its segments as edges that do not move the nodes' ranks.
import type { ClusterView, DeviceView, NodeView } from './model.js';
import { attrs, label } from './dot-syntax.js';
import { overlayDot } from './overlay-dot.js';
import type { Overlay } from './path.js';

const FONT = 'Courier';

function deviceLines(d: DeviceView): string[] {
  const lines: string[] = [];
  if (d.vxlan) lines.push(`vxlan VNI ${d.vxlan.vni} port ${d.vxlan.port}`, `VTEP ${d.mac}`, `local ${d.vxlan.local}`);
  else lines.push(`${d.kind} ${d.mac}`);
  lines.push(`${d.addresses.join(' ')}${d.addresses.length ? ' ' : ''}mtu ${d.mtu}`);
  return lines;
}

const DEVICE_ORDER: Record<string, number> = { ether: 0, vxlan: 1, dummy: 1, bridge: 3 };

/** The node's cluster (its members) and the edges between them, which must stay outside every subgraph. */
function nodeCluster(n: NodeView, underlay: string, extra: string[]): { members: string[]; edges: string[] } {
  const out: string[] = [];
  const edges: string[] = [];
  const title = `${n.name} · ${n.ip}`;
  const sub = [`podCIDR ${n.podCIDR || 'none'}`, `kube-proxy ${n.proxyMode}${n.roles.length ? ` · ${n.roles.join(',')}` : ''}`];
  out.push(`  subgraph cluster_${n.id.replace(/-/g, '_')} {`);
  out.push(`    graph ${attrs({ id: n.id, class: 'k8snode', label: label(title, sub), labeljust: 'l', style: 'rounded', color: '#555555' })};`);
  const devs = [...n.devices].sort((a, b) => (DEVICE_ORDER[a.kind] ?? 2) - (DEVICE_ORDER[b.kind] ?? 2) || a.name.localeCompare(b.name));
  for (const d of devs) out.push(`    "${d.id}" ${attrs({ id: d.id, class: `dev ${d.kind}`, label: label(d.name, deviceLines(d)), fillcolor: '#f2f2f2' })};`);
  const stackLines = ['routing · netfilter', `kube-proxy ${n.proxyMode}`];
  if (n.hostPods.length) stackLines.push('hostNetwork:', ...n.hostPods.map((k) => k.slice(k.indexOf('/') + 1)));
  out.push(`    "${n.stackId}" ${attrs({ id: n.stackId, class: 'stack', label: label(`${n.name} stack`, stackLines), fillcolor: '#ffffff' })};`);
  for (const p of n.pods) {
    const [ns, name] = p.key.split('/') as [string, string];
    const lines = [`${p.ip} · ${ns}`, ...p.labels, `eth0 ⇄ ${p.hostVeth}`];
    out.push(`    "${p.id}" ${attrs({ id: p.id, class: 'pod', label: label(name, lines), fillcolor: '#e8f4fb' })};`);
  }
  out.push(...extra, '  }');
  for (const d of devs) {
    if (d.kind === 'ether') edges.push(`  "${underlay}" -> "${d.id}" ${attrs({ class: 'link', arrowhead: 'none' })};`);
    if (d.vxlan && n.devices.some((x) => x.name === d.vxlan!.dev)) edges.push(`  "${n.devices.find((x) => x.name === d.vxlan!.dev)!.id}" -> "${d.id}" ${attrs({ class: 'link tunnel', arrowhead: 'none', style: 'dashed' })};`);
    if (d.kind === 'bridge') edges.push(`  "${n.stackId}" -> "${d.id}" ${attrs({ class: 'link', arrowhead: 'none' })};`);
    else if (d.kind !== 'ether' || !devs.some((x) => x.vxlan?.dev === d.name)) edges.push(`  "${d.id}" -> "${n.stackId}" ${attrs({ class: 'link', arrowhead: 'none' })};`);
  }
  // Pods hang below their bridge one under another, so a node stays one column wide.
  let above: string | undefined;
  for (const p of n.pods) {
    const bridge = n.devices.find((d) => d.name === p.bridge);
    if (bridge) edges.push(`  "${bridge.id}" -> "${p.id}" ${attrs({ class: 'link veth', arrowhead: 'none', constraint: above ? 'false' : undefined })};`);
    if (above) edges.push(`  "${above}" -> "${p.id}" [style=invis];`);
    above = p.id;
  }
  return { members: out, edges };
}

export function clusterDot(view: ClusterView, ov?: Overlay): string {
  const out: string[] = ['digraph knet {'];
  out.push(`  graph ${attrs({ id: 'knet', fontname: FONT, fontsize: 11, newrank: 'true', nodesep: 0.3, ranksep: 0.3, pad: 0.2, bgcolor: 'transparent', labelloc: 't' })};`);
  out.push(`  node ${attrs({ shape: 'box', style: 'rounded,filled', fontname: FONT, fontsize: 11, margin: '0.1,0.05', penwidth: 1.2 })};`);
  out.push(`  edge ${attrs({ fontname: FONT, fontsize: 10, arrowsize: 0.7, color: '#777777' })};`);
  const u = view.underlay;
  out.push(`  "${u.id}" ${attrs({ id: u.id, class: 'underlay', label: label('underlay', [`${u.cidr} · MTU ${u.mtu}`]), fillcolor: '#eeeeee', ordering: 'out' })};`);
  const top: string[] = [];
  for (const e of view.externals) {
    out.push(`  "${e.id}" ${attrs({ id: e.id, class: 'ext', label: label(e.name, [e.ip, 'external client']), fillcolor: '#ffffff' })};`);
    out.push(`  "${e.id}" -> "${u.id}" ${attrs({ class: 'link', arrowhead: 'none' })};`);
    top.push(e.id);
  }
  if (view.services.length) {
    out.push('  subgraph cluster_services {');
    out.push(`    graph ${attrs({ id: 'services', class: 'services', label: label('Services (virtual IPs on every node)', []), labeljust: 'l', style: 'rounded,dashed', color: '#CC79A7' })};`);
    for (const s of view.services) {
      const lines = [`${s.type} ${s.clusterIP}`, `ports ${s.ports.join(' ')}`, ...(s.endpoints.length ? s.endpoints.map((e) => `→ ${e.ip} ${e.ports.join(' ')}`) : ['no endpoints'])];
      out.push(`    "${s.id}" ${attrs({ id: s.id, class: 'svc', label: label(`svc ${s.key}`, lines), fillcolor: '#f7e9f1' })};`);
      top.push(s.id);
    }
    out.push('  }');
    for (const s of view.services) out.push(`  "${s.id}" -> "${u.id}" [style=invis];`);
  }
  if (top.length) out.push(`  { rank=same; ${top.map((t) => `"${t}"`).join('; ')}; }`);
  const drawn = ov ? overlayDot(view, ov) : undefined;
  const clusters = view.nodes.map((n) => nodeCluster(n, u.id, drawn?.members.get(n.id) ?? []));
  for (const c of clusters) out.push(...c.members);
  for (const c of clusters) out.push(...c.edges);

  if (drawn) out.push(...drawn.lines);
  out.push('}');
  return out.join('\n') + '\n';
}

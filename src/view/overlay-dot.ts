// A trace drawn over the cluster diagram: each segment an edge that leaves the nodes' ranks
// alone (numbered by hop; weighted by probability with --all-paths), and beside each point where
// something happens a callout naming it: the NAT rewrite, the VXLAN encapsulation, the verdict.
import { attrs, esc, label } from './dot-syntax.js';
import type { ClusterView } from './model.js';
import type { DrawnRoute, Overlay } from './path.js';

const FWD = '#0072B2';
const REPLY = '#D55E00';
const OK = '#009E73';

interface Seg {
  from: string;
  to: string;
  dir: 'fwd' | 'reply';
  hop: number;
  classes: Set<string>;
  probability: number;
}

interface Callout {
  lines: { text: string; color: string }[];
  classes: Set<string>;
}

/** Segments of every path merged where they coincide; the line weight is the summed probability. */
function mergedSegments(ov: Overlay): Seg[] {
  const out = new Map<string, Seg>();
  for (const p of ov.paths) {
    for (const [r, dir] of routes(p)) {
      for (const s of r.segments) {
        const key = `${dir} ${s.from} ${s.to} ${s.hop}`;
        let d = out.get(key);
        if (!d) out.set(key, (d = { from: s.from, to: s.to, dir, hop: s.hop, classes: new Set(), probability: 0 }));
        d.classes.add(hopClass(p.index, dir, s.hop));
        d.probability += p.probability;
      }
    }
  }
  return [...out.values()];
}

function routes(p: Overlay['paths'][number]): [DrawnRoute, 'fwd' | 'reply'][] {
  return p.reply ? [[p.forward, 'fwd'], [p.reply, 'reply']] : [[p.forward, 'fwd']];
}

/** The class the page lights for a hop: `p1-h3` (path 1, hop 3), `p1-r2` (its reply's hop 2). */
export function hopClass(path: number, dir: 'fwd' | 'reply', hop: number): string {
  return `p${path}-${dir === 'fwd' ? 'h' : 'r'}${hop}`;
}

function callouts(ov: Overlay): Map<string, Callout> {
  const out = new Map<string, Callout>();
  const add = (at: string, text: string, color: string, cls: string) => {
    let c = out.get(at);
    if (!c) out.set(at, (c = { lines: [], classes: new Set() }));
    if (!c.lines.some((l) => l.text === text)) c.lines.push({ text, color });
    c.classes.add(cls);
  };
  for (const p of ov.paths) {
    for (const [r, dir] of routes(p)) {
      const tag = (hop: number) => (dir === 'fwd' ? String(hop) : `R${hop}`);
      const color = dir === 'fwd' ? FWD : REPLY;
      for (const s of r.segments) for (const n of s.notes) add(s.from, `${tag(s.hop)} ${n}`, color, hopClass(p.index, dir, s.hop));
      for (const n of r.endNotes) add(r.end, `${tag(r.lastHop)} ${n}`, color, hopClass(p.index, dir, r.lastHop));
      add(r.end, `${dir === 'reply' ? 'reply ' : ''}${r.verdict}`, r.verdict === 'DELIVERED' ? OK : REPLY, hopClass(p.index, dir, r.lastHop));
    }
  }
  return out;
}

/** Which node's cluster a diagram point is drawn in (none: the underlay, clients, Services). */
function ownerOf(view: ClusterView, id: string): string | undefined {
  return view.nodes.find((n) => n.stackId === id || n.devices.some((d) => d.id === id) || n.pods.some((p) => p.id === id))?.id;
}

export function overlayDot(view: ClusterView, ov: Overlay): { members: Map<string, string[]>; lines: string[] } {
  const members = new Map<string, string[]>();
  const lines: string[] = [];
  const many = ov.paths.length > 1;
  const known = new Set<string>([view.underlay.id, ...view.externals.map((e) => e.id), ...view.services.map((s) => s.id), ...view.nodes.flatMap((n) => [n.stackId, ...n.devices.map((d) => d.id), ...n.pods.map((p) => p.id)])]);
  for (const x of ov.extraPoints) {
    known.add(x.id);
    lines.push(`  "${x.id}" ${attrs({ id: x.id, class: 'ext', label: label(x.label, []), fillcolor: '#ffffff' })};`);
  }
  const segs = mergedSegments(ov);
  for (const s of segs) {
    for (const id of [s.from, s.to]) {
      if (known.has(id)) continue;
      known.add(id);
      lines.push(`  "${id}" ${attrs({ id, class: 'unknown', label: label(id, []) })};`);
    }
  }
  segs.forEach((s, i) => {
    const tag = s.dir === 'fwd' ? String(s.hop) : `R${s.hop}`;
    const text = many && s.dir === 'fwd' ? `${tag} p=${Number(s.probability.toFixed(3))}` : tag;
    const color = s.dir === 'fwd' ? FWD : REPLY;
    lines.push(`  "${s.from}" -> "${s.to}" ${attrs({ id: `seg${i + 1}`, class: `seg ${s.dir} ${[...s.classes].sort().join(' ')}`, xlabel: `<<b>${esc(text)}</b>>`, constraint: 'false', penwidth: many ? (1 + 4 * Math.min(1, s.probability)).toFixed(2) : 2.5, color, fontcolor: color, style: s.dir === 'reply' ? 'dashed' : undefined })};`);
  });
  let n = 0;
  for (const [at, c] of callouts(ov)) {
    const id = `note${++n}`;
    const text = `<${c.lines.map((l) => `<font color="${l.color}">${esc(l.text)}</font>`).join('<br align="left"/>')}<br align="left"/>>`;
    const cls = [...c.classes].sort().join(' ');
    const node = `  "${id}" ${attrs({ id, class: `callout ${cls}`, label: text, shape: 'box', style: 'rounded,dashed', fontsize: 10, color: '#999999', fillcolor: 'none' })};`;
    const owner = ownerOf(view, at);
    if (owner) members.set(owner, [...(members.get(owner) ?? []), `  ${node}`]);
    else lines.push(node);
    // Beside its point, on the same rank, joined by a dotted leader.
    lines.push(`  { rank=same; "${at}"; "${id}"; }`);
    lines.push(`  "${at}" -> "${id}" ${attrs({ class: `leader ${cls}`, style: 'dotted', arrowhead: 'none', color: '#999999' })};`);
  }
  return { members, lines };
}

// A trace as a route over the diagram: each typed step puts the packet at a diagram point (a
// device, a node's stack, a pod, the underlay), consecutive points become numbered segments,
// and NAT rewrites and VXLAN encapsulation label the segment that leaves the point where they
// happened. Only the typed Hop/Step data is read; step kinds this file does not know keep the
// packet where it is.
import type { Hop, PathResult, Step, Trace } from '../dataplane/types.js';
import { viewId, type ClusterView } from './model.js';

export interface Segment {
  from: string;
  to: string;
  /** 1-based hop of the trace that sends the packet along this segment. */
  hop: number;
  notes: string[];
}

export interface DrawnRoute {
  segments: Segment[];
  /** The point the packet ends at. */
  end: string;
  /** The last hop (where the verdict is reached). */
  lastHop: number;
  verdict: string;
  /** Notes left at the end point (a rewrite on the last hop). */
  endNotes: string[];
}

export interface DrawnPath {
  /** 1-based path number. */
  index: number;
  probability: number;
  forward: DrawnRoute;
  reply?: DrawnRoute;
}

export interface Overlay {
  paths: DrawnPath[];
  /** Points the cluster diagram lacks: a client injected on the underlay (`IP@NODE`). */
  extraPoints: { id: string; label: string }[];
}

interface Visit {
  id: string;
  hop: number;
}

/** Where a step puts the packet, given the hop's place; undefined: it stays where it is. */
function pointOf(view: ClusterView, hop: Hop, s: Step, st: { encapsulated: boolean; cur?: string; client: string }): string | undefined {
  const node = view.nodes.find((n) => n.name === hop.node);
  const ext = view.externals.find((e) => e.name === hop.node);
  const here = hop.netns.startsWith('pod ') ? viewId('pod', hop.netns.slice(4)) : node ? node.stackId : ext ? ext.id : viewId('host', hop.node);
  if (s.kind === 'underlay') return view.underlay.id;
  if (!node || hop.netns !== 'root') return here;
  const dev = (name: string): string => {
    const bridge = node.ports.get(name);
    const d = node.devices.find((x) => x.name === (bridge ?? name));
    return d ? d.id : here;
  };
  switch (s.kind) {
    case 'enter-interface':
    case 'exit-interface':
      return dev(s.dev);
    case 'veth':
      return dev(s.to);
    case 'exit-network':
      return dev(s.dev);
    case 'bridge':
      return dev(s.bridge);
    case 'vxlan-encap':
    case 'vxlan-decap':
      st.encapsulated = s.kind === 'vxlan-encap';
      return dev(s.dev);
    case 'deliver':
      // A reply handed back to a client injected on the underlay is delivered there, not on the node.
      return st.cur === view.underlay.id ? st.client : here;
    case 'neighbour':
    case 'note':
      return undefined;
    case 'route':
    case 'no-route':
    case 'netfilter':
    case 'policy':
    case 'nat':
    case 'conntrack':
    case 'ttl':
    case 'ipvs':
      // After encapsulation these steps handle the outer packet on its way from the VXLAN device out.
      return st.encapsulated ? undefined : here;
    default:
      return undefined;
  }
}

/** The annotation a step leaves on the segment that follows it. */
function noteOf(s: Step): string | undefined {
  switch (s.kind) {
    case 'nat':
      return `${s.nat} ${s.before} → ${s.after}`;
    case 'vxlan-encap':
      return `VXLAN VNI ${s.vni} → ${s.outerDst}:${s.dstPort}`;
    default:
      return undefined;
  }
}

function route(view: ClusterView, hops: Hop[], verdict: string, start: Visit[], client: string): DrawnRoute {
  const visits: (Visit & { notes: string[] })[] = start.map((v) => ({ ...v, notes: [] }));
  hops.forEach((h, i) => {
    const st: { encapsulated: boolean; cur?: string; client: string } = { encapsulated: false, client };
    for (const s of h.steps) {
      st.cur = visits.at(-1)?.id;
      const id = pointOf(view, h, s, st);
      if (id !== undefined && id !== st.cur) visits.push({ id, hop: i + 1, notes: [] });
      const note = noteOf(s);
      if (note && visits.length) visits.at(-1)!.notes.push(note);
    }
    if (!h.steps.length) {
      const here = h.netns.startsWith('pod ') ? viewId('pod', h.netns.slice(4)) : (view.nodes.find((n) => n.name === h.node)?.stackId ?? viewId('host', h.node));
      if (visits.at(-1)?.id !== here) visits.push({ id: here, hop: i + 1, notes: [] });
    }
  });
  const segments: Segment[] = [];
  for (let i = 0; i + 1 < visits.length; i++) {
    const a = visits[i]!;
    segments.push({ from: a.id, to: visits[i + 1]!.id, hop: Math.max(1, a.hop), notes: a.notes });
  }
  const last = visits.at(-1);
  return { segments, end: last?.id ?? client, lastHop: Math.max(1, hops.length), verdict, endNotes: last?.notes ?? [] };
}

/** The diagram point the trace's client stands at, and what must be added to draw it. */
function clientPoint(view: ClusterView, t: Trace): { id: string; extra?: { id: string; label: string } } {
  const obj = t.src.object ?? '';
  if (obj.startsWith('pod ')) {
    const key = obj.slice(4).split(' ')[0]!;
    const onBridge = view.nodes.some((n) => n.pods.some((p) => p.key === key));
    if (onBridge) return { id: viewId('pod', key) };
    const node = view.nodes.find((n) => n.hostPods.includes(key));
    if (node) return { id: node.stackId };
  }
  if (obj.startsWith('node ')) {
    const node = view.nodes.find((n) => n.name === obj.slice(5));
    if (node) return { id: node.stackId };
  }
  if (obj.startsWith('ext ')) {
    const e = view.externals.find((x) => x.name === obj.slice(4));
    if (e) return { id: e.id };
  }
  const id = viewId('client', t.src.ip);
  return { id, extra: { id, label: `client ${t.src.ip}` } };
}

export function overlay(view: ClusterView, t: Trace, opts: { allPaths?: boolean } = {}): Overlay {
  const client = clientPoint(view, t);
  const paths = opts.allPaths ? t.paths : t.paths.slice(0, 1);
  // A client injected on the underlay first crosses it to the node's eth0.
  const start: Visit[] = client.extra ? [{ id: client.id, hop: 1 }, { id: view.underlay.id, hop: 1 }] : [];
  const drawn = paths.map((p: PathResult, i): DrawnPath => {
    const forward = route(view, p.hops, p.verdict, start, client.id);
    const reply = p.reply ? route(view, p.reply.hops, p.reply.verdict, [], client.id) : undefined;
    return { index: i + 1, probability: p.probability, forward, ...(reply ? { reply } : {}) };
  });
  return { paths: drawn, extraPoints: client.extra ? [client.extra] : [] };
}

// `knet view` and `knet trace -o svg|html`: the cluster diagram, alone or with a trace drawn on it.
import type { Cluster } from '../cluster/cluster.js';
import type { Trace } from '../dataplane/types.js';
import { clusterDot } from './dot.js';
import { traceHtml, viewHtml } from './html.js';
import { clusterView } from './model.js';
import { overlay } from './path.js';
import { layoutSvg, styledSvg } from './svg.js';

export type PictureFormat = 'svg' | 'html';

export async function viewPicture(cluster: Cluster, format: PictureFormat): Promise<string> {
  const view = clusterView(cluster);
  const title = `knet view: ${view.name}`;
  const svg = styledSvg(await layoutSvg(clusterDot(view)), title);
  return format === 'svg' ? svg : viewHtml(title, view, svg);
}

export async function tracePicture(cluster: Cluster, t: Trace, format: PictureFormat, opts: { allPaths?: boolean } = {}): Promise<string> {
  const view = clusterView(cluster);
  const ov = overlay(view, t, opts);
  const title = `knet trace ${t.src.typed} ${t.dst.typed}${opts.allPaths ? ' --all-paths' : ''}`;
  const svg = styledSvg(await layoutSvg(clusterDot(view, ov)), title);
  return format === 'svg' ? svg : traceHtml(title, t, ov, svg);
}

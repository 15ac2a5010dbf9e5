// One self-contained page: the SVG inline, the hop list beside it (or, for `knet view`, the
// cluster's objects), inline CSS and script, and a Content-Security-Policy that forbids every
// network fetch, so the file works offline and lessons can embed it.
import type { Hop, Trace } from '../dataplane/types.js';
import type { ClusterView } from './model.js';
import type { DrawnRoute, Overlay } from './path.js';
import { PAGE_JS } from './script.js';
import { stepRow } from './steps.js';
import { inlineSvg } from './svg.js';

const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1b1b; --muted: #5f5f5f; --panel: #f6f6f6; --rule: #d8d8d8;
  --fwd: #0072b2; --reply: #d55e00; --ok: #007a5a; --bad: #d55e00; --pick: #e6f2fa; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181c; --fg: #e8e8e8; --muted: #a8a8a8; --panel: #1f2227; --rule: #3a3d44;
    --fwd: #56b4e9; --reply: #e69f00; --ok: #2cc59a; --bad: #ff8a4c; --pick: #112a3a; }
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: var(--bg); color: var(--fg); font: 14px/1.4 system-ui, "DejaVu Sans", sans-serif; }
body { display: flex; flex-direction: column; }
header { padding: 6px 12px; border-bottom: 1px solid var(--rule); display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
.v-ok { color: var(--ok); font-weight: bold; }
.v-bad { color: var(--bad); font-weight: bold; }
main { flex: 1; display: flex; min-height: 0; }
#diagram { flex: 1; overflow: auto; padding: 8px; }
#diagram svg { display: block; }
aside { width: 430px; flex: none; overflow: auto; border-left: 1px solid var(--rule); background: var(--panel); padding: 8px 10px; }
aside h2 { font-size: 14px; margin: 8px 0 4px; }
.tools { display: flex; gap: 6px; flex-wrap: wrap; margin-bottom: 6px; }
button { font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid var(--rule); border-radius: 4px; background: var(--bg); color: var(--fg); cursor: pointer; }
button[aria-pressed="true"] { border-color: var(--fwd); outline: 2px solid var(--fwd); }
ol.items { list-style: none; margin: 0; padding: 0; }
ol.items li { border: 1px solid var(--rule); border-radius: 6px; margin: 4px 0; padding: 4px 8px; background: var(--bg); }
ol.items li[data-key] { cursor: pointer; }
ol.items li.on { border-color: var(--fwd); background: var(--pick); box-shadow: 0 0 0 2px var(--fwd); }
ol.items li.reply.on { border-color: var(--reply); box-shadow: 0 0 0 2px var(--reply); }
.num { display: inline-block; min-width: 2.2em; font-weight: bold; color: var(--fwd); }
li.reply .num { color: var(--reply); }
.where { color: var(--muted); }
.sum { color: var(--muted); font-size: 12px; }
.steps { margin-top: 4px; }
.step { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; padding: 2px 0; border-top: 1px dotted var(--rule); white-space: pre-wrap; overflow-wrap: anywhere; }
.step .l { color: var(--muted); font-weight: bold; }
.step.k-nat, .step.k-vxlan-encap, .step.k-vxlan-decap { color: var(--fwd); font-weight: bold; }
li.reply .step.k-nat { color: var(--reply); }
#status { color: var(--muted); }
footer { padding: 4px 12px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 12px; }
`;

export function escHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function page(title: string, header: string, svg: string, aside: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escHtml(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>${header}<span id="status" aria-live="polite"></span></header>
<main>
<section id="diagram">
${inlineSvg(svg)}
</section>
<aside>
<div class="tools"><button class="zoom" data-zoom="fit">fit</button><button class="zoom" data-zoom="1">1:1</button><button class="zoom" data-zoom="1.5">1.5×</button></div>
${aside}</aside>
</main>
<footer>click an item, or step with ← → (↑ ↓, Home, End; Esc clears${aside.includes('class="path"') ? '; [ ] other path' : ''})</footer>
<script>${PAGE_JS}</script>
</body>
</html>
`;
}

function where(h: Hop): string {
  return h.netns === 'root' ? '' : ` <span class="where">${escHtml(h.netns)}</span>`;
}

/** The diagram points a hop's segments touch, for lighting them. */
function hopPoints(r: DrawnRoute | undefined, hop: number): string {
  if (!r) return '';
  const ids: string[] = [];
  for (const s of r.segments) if (s.hop === hop) for (const id of [s.from, s.to]) if (!ids.includes(id)) ids.push(id);
  if (hop === r.lastHop && !ids.includes(r.end)) ids.push(r.end);
  return ids.join(' ');
}

function hopItem(h: Hop, key: string, num: string, label: string, points: string, reply: boolean): string {
  const rows = h.steps
    .map(stepRow)
    .map((r) => `<div class="step k-${escHtml(r.kind)}"><span class="l">${escHtml(r.label)}</span> ${escHtml(r.text)}</div>`)
    .join('');
  const sum = h.steps.length === 1 ? '1 step' : `${h.steps.length} steps`;
  return `<li class="hop${reply ? ' reply' : ''}" data-key="${key}" data-points="${points}" data-label="${escHtml(label)}" role="option" aria-selected="false"><span class="num">${num}</span>${escHtml(h.node)}${where(h)} <span class="sum">${sum}</span><div class="steps" hidden>${rows}</div></li>\n`;
}

function verdictClass(v: string): string {
  return v === 'DELIVERED' ? 'v-ok' : 'v-bad';
}

export function traceHtml(title: string, t: Trace, ov: Overlay, svg: string): string {
  const flow = `${t.src.object ?? t.src.typed} ${t.src.ip}:${t.src.port} → ${t.dst.object ?? t.dst.typed} ${t.dst.ip}:${t.dst.port}/${t.proto.toUpperCase()}`;
  const header = `<h1>knet trace</h1><code>${escHtml(flow)}</code><span class="${verdictClass(t.verdict)}">${escHtml(t.verdict)}</span>`;
  const many = ov.paths.length > 1;
  let aside = '';
  if (many) {
    aside += `<div class="tools" role="tablist">${ov.paths
      .map((p, i) => `<button class="path" aria-pressed="${i === 0}" title="${escHtml(t.paths[i]!.endpoint)}">path ${p.index} · p=${Number(p.probability.toFixed(3))}</button>`)
      .join('')}</div>\n`;
  }
  ov.paths.forEach((d, i) => {
    const p = t.paths[i]!;
    aside += `<ol class="items" role="listbox" aria-label="hops of path ${d.index}"${i > 0 ? ' hidden' : ''}>\n`;
    if (many) aside += `<li class="info">path ${d.index}: p=${Number(p.probability.toFixed(6))} → <code>${escHtml(p.endpoint)}</code>${p.masqueraded ? ' (masqueraded)' : ''}</li>\n`;
    p.hops.forEach((h, j) => {
      aside += hopItem(h, `p${d.index}-h${j + 1}`, String(j + 1), `hop ${j + 1}: ${h.node} ${h.netns}`, hopPoints(d.forward, j + 1), false);
    });
    aside += `<li class="info">verdict <span class="${verdictClass(p.verdict)}">${escHtml(p.verdict)}</span>: ${escHtml(p.reason)}${p.rule ? `<br><code>${escHtml(p.rule)}</code>` : ''}</li>\n`;
    if (p.reply) {
      p.reply.hops.forEach((h, j) => {
        aside += hopItem(h, `p${d.index}-r${j + 1}`, `R${j + 1}`, `reply hop ${j + 1}: ${h.node} ${h.netns}`, hopPoints(d.reply, j + 1), true);
      });
      aside += `<li class="info">reply <span class="${verdictClass(p.reply.verdict)}">${escHtml(p.reply.verdict)}</span>: ${escHtml(p.reply.reason)}</li>\n`;
    }
    aside += '</ol>\n';
  });
  return page(title, header, svg, aside);
}

export function viewHtml(title: string, view: ClusterView, svg: string): string {
  const header = `<h1>knet view</h1><code>${escHtml(view.name)}</code><span>${view.nodes.length} nodes · ${view.nodes.reduce((n, x) => n + x.pods.length, 0)} pods on bridges · ${view.services.length} Services</span>`;
  let n = 0;
  const item = (label: string, detail: string, points: string[]): string =>
    `<li data-key="obj${++n}" data-points="${points.join(' ')}" data-label="${escHtml(label)}" role="option" aria-selected="false"><b>${escHtml(label)}</b> <span class="sum">${escHtml(detail)}</span></li>\n`;
  let aside = '<ol class="items" role="listbox" aria-label="cluster objects">\n';
  for (const node of view.nodes) {
    aside += item(`node ${node.name}`, `${node.ip} · podCIDR ${node.podCIDR || 'none'} · kube-proxy ${node.proxyMode}`, [node.stackId, ...node.devices.map((d) => d.id)]);
    for (const p of node.pods) aside += item(`pod ${p.key}`, `${p.ip} on ${node.name}`, [p.id]);
  }
  for (const s of view.services) aside += item(`svc ${s.key}`, `${s.type} ${s.clusterIP} · ${s.endpoints.length} endpoints`, [s.id, ...s.endpoints.flatMap((e) => (e.podId ? [e.podId] : []))]);
  aside += '</ol>\n';
  return page(title, header, svg, aside);
}

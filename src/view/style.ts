// The diagram's colours, inside the SVG so a standalone file follows light and dark mode too.
// Okabe–Ito's colour-blind-safe palette: blue for the packet's way there, vermillion (dashed) for
// the reply, bluish green for VXLAN and a delivered verdict, orange for bridges, reddish purple
// for Services. Graphviz's own colours stay as the fallback for viewers without CSS.

export const SVG_CSS = `
svg.knet { --bg: #ffffff; --fg: #1b1b1b; --muted: #5f5f5f; --line: #8c8c8c; --box: #f3f3f3; --stack: #ffffff;
  --pod: #e6f2fa; --svc: #f8ebf3; --svcline: #cc79a7; --vx: #009e73; --br: #e69f00; --ext: #ffffff;
  --fwd: #0072b2; --reply: #d55e00; --ok: #007a5a; --bad: #d55e00; background: var(--bg); }
@media (prefers-color-scheme: dark) {
  svg.knet { --bg: #16181c; --fg: #e8e8e8; --muted: #a8a8a8; --line: #7d7d7d; --box: #24272d; --stack: #1d2025;
    --pod: #112a3a; --svc: #35212d; --svcline: #cc79a7; --vx: #2cc59a; --br: #e69f00; --ext: #1d2025;
    --fwd: #56b4e9; --reply: #e69f00; --ok: #2cc59a; --bad: #ff8a4c; }
}
svg.knet text { fill: var(--fg); font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", "Courier New", monospace; }
svg.knet .cluster > path, svg.knet .cluster > polygon { stroke: var(--muted); fill: none; }
svg.knet .cluster.services > path { stroke: var(--svcline); }
svg.knet .node > path, svg.knet .node > polygon { stroke: var(--fg); fill: var(--box); }
svg.knet .node.stack > path { fill: var(--stack); }
svg.knet .node.pod > path { fill: var(--pod); stroke: var(--fwd); }
svg.knet .node.svc > path { fill: var(--svc); stroke: var(--svcline); }
svg.knet .node.ext > path { fill: var(--ext); }
svg.knet .node.vxlan > path { stroke: var(--vx); stroke-width: 2px; }
svg.knet .node.bridge > path { stroke: var(--br); stroke-width: 2px; }
svg.knet .edge.link > path { stroke: var(--line); }
svg.knet .edge.tunnel > path { stroke: var(--vx); }
svg.knet .seg.fwd > path { stroke: var(--fwd); }
svg.knet .seg.fwd > polygon { stroke: var(--fwd); fill: var(--fwd); }
svg.knet .seg.reply > path { stroke: var(--reply); }
svg.knet .seg.reply > polygon { stroke: var(--reply); fill: var(--reply); }
svg.knet .seg.fwd > text { fill: var(--fwd); }
svg.knet .seg.reply > text { fill: var(--reply); }
svg.knet .callout > path { fill: var(--bg); stroke: var(--muted); }
svg.knet .leader > path { stroke: var(--muted); }
svg.knet .callout > text[fill="#0072b2"] { fill: var(--fwd); }
svg.knet .callout > text[fill="#d55e00"] { fill: var(--reply); }
svg.knet .callout > text[fill="#009e73"] { fill: var(--ok); font-weight: bold; }
svg.knet .seg > text { paint-order: stroke; stroke: var(--bg); stroke-width: 3px; stroke-linejoin: round; }
svg.knet.picking .seg, svg.knet.picking .callout, svg.knet.picking .leader { opacity: 0.22; }
svg.knet.picking .seg.on, svg.knet.picking .callout.on, svg.knet.picking .leader.on { opacity: 1; }
svg.knet .seg.on > path { stroke-width: 5px; }
svg.knet .node.on > path, svg.knet .node.on > polygon { stroke-width: 3.5px; stroke: var(--fwd); }
svg.knet .node.on.reply-on > path { stroke: var(--reply); }
`;

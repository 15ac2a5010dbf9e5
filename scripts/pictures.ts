// `npm run pictures`: regenerates the view goldens (test/golden/view/*.txt: the SVG's structure —
// every cluster, node and edge with its id, classes and text, no coordinates) and the README
// picture (docs/pictures/trace-nodeport.png: the HTML page at 1280×800 in Chromium, hop 3 picked).
// test/view/svg.test.ts renders the same cases and compares them with the committed goldens.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { main } from '../src/cli/main.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const VIEW_GOLDEN_DIR = join(ROOT, 'test', 'golden', 'view');
export const PICTURE = join(ROOT, 'docs', 'pictures', 'trace-nodeport.png');
export const CHROMIUM = '/usr/bin/chromium';
/** The flags every headless Chromium run here uses: nothing leaves the machine. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Name → knet arguments (each rendered with `-o svg` for the goldens). */
export const PICTURE_CASES: [string, string[]][] = [
  ['kubeadm-3node.view', ['view']],
  ['kubeadm-3node.trace-ext-laptop-nodeport', ['trace', 'ext/laptop', 'node/k8s-node2:30000']],
  ['kubeadm-3node.trace-ext-laptop-nodeport-all-paths', ['trace', 'ext/laptop', 'node/k8s-node2:30000', '--all-paths']],
  ['kubeadm-3node.trace-pod-a-clusterip', ['trace', 'pod-a', 'svc/nginx']],
];

/** Runs knet in-process; throws unless it exits 0. */
export async function knetOut(args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(['node', 'knet', ...args], { out: (s) => (out += s), err: (s) => (err += s) });
  if (code !== 0) throw new Error(`knet ${args.join(' ')} exited ${code}: ${err}`);
  return out;
}

/** Parses the SVG as XML (throwing on any error) and returns its root element. */
export function parseSvg(svg: string): Element {
  const doc = new DOMParser({
    onError: (level, msg) => {
      throw new Error(`SVG is not well-formed XML (${level}): ${msg}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  return doc.documentElement!;
}

function texts(e: Element): string[] {
  return Array.from(e.getElementsByTagName('text')).map((t) => (t.textContent ?? '').trim());
}

/** One line per Graphviz cluster, node and edge: kind, id, classes, title, the line's weight and dash, texts. */
export function svgStructure(svg: string): string {
  const root = parseSvg(svg);
  const lines: string[] = [];
  for (const g of Array.from(root.getElementsByTagName('g'))) {
    const cls = (g.getAttribute('class') ?? '').split(' ');
    if (!['cluster', 'node', 'edge'].includes(cls[0]!)) continue;
    const title = g.getElementsByTagName('title')[0]?.textContent ?? '';
    const path = Array.from(g.childNodes).find((c): c is Element => (c as Element).tagName === 'path');
    const style = cls[0] === 'edge' && path ? ` w=${path.getAttribute('stroke-width') ?? '1'}${path.getAttribute('stroke-dasharray') ? ' dashed' : ''}${path.getAttribute('stroke') === 'transparent' ? ' invisible' : ''}` : '';
    lines.push(`${cls.join('.')} #${g.getAttribute('id')} ${title}${style}: ${texts(g).join(' | ')}`);
  }
  return lines.join('\n') + '\n';
}

export async function viewGoldens(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, args] of PICTURE_CASES) out.set(`${name}.txt`, svgStructure(await knetOut([...args, '-o', 'svg'])));
  return out;
}

/** The README picture: the trace page in Chromium at 1280×800 with hop 3 picked. */
async function screenshot(file: string): Promise<void> {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'knet-pictures-'));
  try {
    const page = join(dir, 'trace.html');
    writeFileSync(page, await knetOut(['trace', 'ext/laptop', 'node/k8s-node2:30000', '-o', 'html']));
    const ctx = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    try {
      const p = await ctx.newPage();
      await p.goto(pathToFileURL(page).href);
      await p.click('li[data-key="p1-h3"]');
      mkdirSync(dirname(file), { recursive: true });
      await p.screenshot({ path: file });
    } finally {
      await ctx.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  mkdirSync(VIEW_GOLDEN_DIR, { recursive: true });
  for (const [rel, text] of await viewGoldens()) {
    writeFileSync(join(VIEW_GOLDEN_DIR, rel), text);
    process.stdout.write(`wrote test/golden/view/${rel}\n`);
  }
  if (existsSync(CHROMIUM)) {
    await screenshot(PICTURE);
    process.stdout.write(`wrote docs/pictures/trace-nodeport.png\n`);
  } else process.stdout.write(`${CHROMIUM} not found: docs/pictures/trace-nodeport.png left as it is\n`);
}

// The trace page in a real browser (Debian's chromium driven by playwright-core): it loads with
// no console error and no request leaving the file, clicking hop 3 opens its steps and lights its
// segments, arrow keys move the highlight like Packet Tracer's simulation mode, and screenshots
// (light and dark, 1280×800) are saved under test-output/view/ as CI artifacts. Reports itself
// skipped, with the reason, where /usr/bin/chromium is missing.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, knetOut } from '../../scripts/pictures.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { trace } from '../../src/dataplane/trace.js';
import { stepRow } from '../../src/view/steps.js';

const OUT = join(import.meta.dirname, '..', '..', 'test-output', 'view');
const reason = existsSync(CHROMIUM) ? '' : `${CHROMIUM} not found`;
const browserTest = reason ? test.skip : test.serial;
const skipped = reason ? ` — skipped: ${reason}` : '';
if (reason) console.log(`test/view/browser.test.ts: skipped: ${reason}`);

interface Opened {
  ctx: BrowserContext;
  page: Page;
  problems: string[];
  done: () => Promise<void>;
}

async function open(file: string, colorScheme: 'light' | 'dark'): Promise<Opened> {
  const profile = mkdtempSync(join(tmpdir(), 'knet-view-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 }, colorScheme });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file://')) problems.push(`request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  return {
    ctx,
    page,
    problems,
    done: async () => {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Which hop item is picked, and which SVG elements are lit. */
async function picked(page: Page): Promise<{ key: string | null; lit: string[] }> {
  return page.evaluate(() => ({
    key: document.querySelector('li[aria-selected="true"]')?.getAttribute('data-key') ?? null,
    lit: Array.from(document.querySelectorAll('#diagram svg .seg.on')).flatMap((e) => Array.from(e.classList).filter((c) => /^p\d+-[hr]\d+$/.test(c))),
  }));
}

browserTest(`trace page in Chromium: no console errors, hop 3's steps on click, arrow keys step, screenshots${skipped}`, async (t) => {
  mkdirSync(OUT, { recursive: true });
  const html = await knetOut(['trace', 'ext/laptop', 'node/k8s-node2:30000', '-o', 'html']);
  const file = join(OUT, 'trace-nodeport.html');
  writeFileSync(file, html);
  const tr = trace(loadCluster([]), 'ext/laptop', 'node/k8s-node2:30000');
  const hop3 = tr.paths[0]!.hops[2]!;
  const o = await open(file, 'light');
  try {
    const { page } = o;
    t.false(await page.isVisible('li[data-key="p1-h3"] .steps'));
    await page.click('li[data-key="p1-h3"]');
    t.true(await page.isVisible('li[data-key="p1-h3"] .steps'));
    const rows = await page.locator('li[data-key="p1-h3"] .step').allInnerTexts();
    t.deepEqual(rows, hop3.steps.map(stepRow).map((r) => `${r.label} ${r.text}`));
    let now = await picked(page);
    t.is(now.key, 'p1-h3');
    t.true(now.lit.length > 0 && now.lit.every((c) => c === 'p1-h3'), now.lit.join(' '));
    t.is(await page.textContent('#status'), 'hop 3: k8s-node1 root');
    t.true(await page.evaluate(() => document.getElementById('dev-k8s-node1-flannel-1')!.classList.contains('on')));
    await page.screenshot({ path: join(OUT, 'trace-nodeport-hop3.png') });

    await page.keyboard.press('ArrowRight');
    now = await picked(page);
    t.is(now.key, 'p1-h4');
    t.false(await page.isVisible('li[data-key="p1-h3"] .steps'));
    t.true(await page.isVisible('li[data-key="p1-h4"] .steps'));
    await page.keyboard.press('ArrowRight');
    t.is((await picked(page)).key, 'p1-r1');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    now = await picked(page);
    t.is(now.key, 'p1-h2');
    t.true(now.lit.length > 0 && now.lit.every((c) => c === 'p1-h2'));
    await page.keyboard.press('End');
    t.is((await picked(page)).key, 'p1-r4');
    await page.keyboard.press('Escape');
    t.deepEqual(await picked(page), { key: null, lit: [] });
    t.deepEqual(o.problems, []);
  } finally {
    await o.done();
  }
  const dark = await open(file, 'dark');
  try {
    t.is(await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(22, 24, 28)');
    await dark.page.click('li[data-key="p1-h2"]');
    await dark.page.screenshot({ path: join(OUT, 'trace-nodeport-hop2-dark.png') });
    t.deepEqual(dark.problems, []);
  } finally {
    await dark.done();
  }
});

browserTest(`all-paths page: path tabs switch the hop list; view page: picking a Service lights its endpoints${skipped}`, async (t) => {
  mkdirSync(OUT, { recursive: true });
  const all = join(OUT, 'trace-nodeport-all-paths.html');
  writeFileSync(all, await knetOut(['trace', 'ext/laptop', 'node/k8s-node2:30000', '--all-paths', '-o', 'html']));
  const o = await open(all, 'light');
  try {
    const { page } = o;
    t.is(await page.locator('button.path').count(), 3);
    await page.click('button.path >> nth=2');
    await page.keyboard.press('ArrowRight');
    const now = await picked(page);
    t.is(now.key, 'p3-h1');
    t.true(now.lit.includes('p3-h1'));
    t.deepEqual(o.problems, []);
  } finally {
    await o.done();
  }
  const view = join(OUT, 'view.html');
  writeFileSync(view, await knetOut(['view', '-o', 'html']));
  const v = await open(view, 'light');
  try {
    await v.page.click('li[data-label="svc default/nginx"]');
    const lit = await v.page.evaluate(() => Array.from(document.querySelectorAll('#diagram svg .node.on')).map((e) => e.id).sort());
    t.deepEqual(lit, ['pod-default-nginx-6b97fcfcdd-25khw', 'pod-default-nginx-6b97fcfcdd-cdxqq', 'pod-default-nginx-6b97fcfcdd-m6qp9', 'svc-default-nginx']);
    await v.page.screenshot({ path: join(OUT, 'view-svc-nginx.png') });
    t.deepEqual(v.problems, []);
  } finally {
    await v.done();
  }
});

// knet serve under watch load: 1,000 concurrent watchers on loopback while a writer creates
// ConfigMaps at a fixed rate for a bounded time; each watcher must see every event, in
// resourceVersion order. Latency is write start → event at the watcher (p50/p99); RSS is the
// server process's peak. Then the same against etcd (/usr/bin/etcd, when installed), beside
// etcd's own watch (1,000 etcd3 watchers) measured in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../test/server/etcd.js';
import { line } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WATCHERS = 1000;
const RATE = 200; // writes per second
const SECONDS = 5;
const WRITES = RATE * SECONDS;

function startServer(store: string): Promise<{ proc: ChildProcess; url: string }> {
  const code = "import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'knet', ...process.argv.slice(1)]);";
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, 'serve', '--listen', '127.0.0.1:0', '--store', store], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) resolve({ proc, url: m[1]! });
    });
    proc.on('exit', (c) => reject(new Error(`knet serve exited with ${c}`)));
  });
}

function peakRssOf(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]!;
}

interface Watcher {
  seen: number;
  lastRV: number;
  inOrder: boolean;
}

async function run(label: string, store: string): Promise<void> {
  const { proc, url } = await startServer(store);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const get = async (path: string) => (await fetch(url + path)).json() as Promise<Record<string, unknown>>;
  const rv = ((await get('/api/v1/namespaces/default/configmaps')).metadata as { resourceVersion: string }).resourceVersion;
  const latencies: number[] = [];
  const writeStart = new Map<string, number>();
  const watchers: Watcher[] = [];
  let finished = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  const reqs: http.ClientRequest[] = [];
  await Promise.all(
    Array.from({ length: WATCHERS }, () =>
      new Promise<void>((ready) => {
        const w: Watcher = { seen: 0, lastRV: 0, inOrder: true };
        watchers.push(w);
        const req = http.get(`${url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&labelSelector=bench%3Dwatch`, { agent }, (res) => {
          ready();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const ev = JSON.parse(buf.slice(0, nl)) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
              buf = buf.slice(nl + 1);
              const r = Number(ev.object.metadata.resourceVersion);
              if (r <= w.lastRV) w.inOrder = false;
              w.lastRV = r;
              const t0 = writeStart.get(ev.object.metadata.name);
              if (t0 !== undefined) latencies.push(performance.now() - t0);
              if (++w.seen === WRITES && ++finished === WATCHERS) allDone();
            }
          });
        });
        reqs.push(req);
      }),
    ),
  );
  const t0 = performance.now();
  let written = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(WRITES, Math.floor(((performance.now() - t0) / 1000) * RATE));
      for (; written < due; written++) {
        const name = `bench-${written}`;
        writeStart.set(name, performance.now());
        void fetch(`${url}/api/v1/namespaces/default/configmaps`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'watch' } }, data: { i: String(written) } }),
        });
      }
      if (written >= WRITES) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000));
  const outcome = await Promise.race([done.then(() => 'done' as const), timeout]);
  const elapsed = (performance.now() - t0) / 1000;
  const rss = peakRssOf(proc.pid!);
  reqs.forEach((r) => r.destroy());
  agent.destroy();
  proc.kill('SIGTERM');
  const lost = watchers.reduce((n, w) => n + (WRITES - w.seen), 0);
  const ordered = watchers.every((w) => w.inOrder);
  line(`${label}: watchers × writes`, `${WATCHERS} × ${WRITES} (${RATE}/s for ${SECONDS} s), all delivered in ${elapsed.toFixed(1)} s${outcome === 'timeout' ? ' (TIMED OUT)' : ''}`);
  line(`${label}: events lost / out of order`, `${lost} / ${ordered ? 0 : watchers.filter((w) => !w.inOrder).length}`, { ok: lost === 0 && ordered, text: '0 / 0' });
  line(`${label}: write → watcher latency p50`, `${pct(latencies, 50).toFixed(1)} ms`, { ok: pct(latencies, 50) < 100, text: '< 100 ms' });
  line(`${label}: write → watcher latency p99`, `${pct(latencies, 99).toFixed(1)} ms`, { ok: pct(latencies, 99) < 1000, text: '< 1 s' });
  line(`${label}: server peak RSS`, `${rss.toFixed(0)} MB`, { ok: rss < 1024, text: '< 1 GB' });
}

/** etcd's own watch fan-out: the same writes, 1,000 watchers of the etcd3 client. */
async function rawEtcd(endpoint: string): Promise<void> {
  const client = new Etcd3({ hosts: endpoint });
  const latencies: number[] = [];
  const starts = new Map<string, number>();
  let seen = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  const watchers = await Promise.all(
    Array.from({ length: WATCHERS }, async () => {
      const w = await client.watch().prefix('/bench/').create();
      w.on('put', (kv) => {
        const t0 = starts.get(kv.key.toString());
        if (t0 !== undefined) latencies.push(performance.now() - t0);
        if (++seen === WATCHERS * WRITES) allDone();
      });
      return w;
    }),
  );
  const t0 = performance.now();
  for (let i = 0; i < WRITES; i++) {
    const due = t0 + (i / RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const key = `/bench/${i}`;
    starts.set(key, performance.now());
    void client.put(key).value(String(i));
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
  line('etcd itself (etcd3 watchers): latency p50 / p99', `${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} ms, ${WATCHERS * WRITES - seen} lost`);
  await Promise.all(watchers.map((w) => w.cancel()));
  client.close();
}

await run('memory', 'memory');
if (existsSync('/usr/bin/etcd')) {
  const etcd = await startEtcd();
  try {
    await run('etcd', etcd.store);
    await rawEtcd(etcd.endpoint);
  } finally {
    await etcd.stop();
  }
} else line('etcd', 'skipped: /usr/bin/etcd is not installed');

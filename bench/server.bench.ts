// knet serve under watch load: 1,000 concurrent watchers on loopback while a writer creates
// ConfigMaps at a fixed rate for a bounded time; each watcher must see every event, in
// resourceVersion order. Latency is write start → event at the watcher (p50/p99); RSS is the
// server process's peak; CPU is the server's and this process's (the watchers and the writer)
// over the writes and their delivery, the two sharing the machine's cores. The watchers do not
// parse a million JSON lines: the first to reach each place in the stream parses the event
// there, every other compares its bytes with it (parsing its own when they differ), so each
// watcher is still checked to get every event, whole, in order. Then the same against etcd
// (/usr/bin/etcd, when installed), beside etcd's own watch (1,000 etcd3 watchers).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../test/server/etcd.js';
import { cpuMs, line, machine } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WATCHERS = 1000;
const RATE = 200; // writes per second
const SECONDS = 5;
const WRITES = RATE * SECONDS;

function startServer(store: string): Promise<{ proc: ChildProcess; url: string }> {
  const code = "import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'knet', ...process.argv.slice(1)]);";
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, 'serve', '--listen', '127.0.0.1:0', '--store', store], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  // Not left behind when the bench fails.
  process.on('exit', () => proc.kill('SIGKILL'));
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

/** A process's CPU time (user + system) so far, in ms, from /proc (clock ticks of 10 ms). */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]!;
}

interface Watcher {
  seen: number;
  lastRV: number;
  /** Every event so far was an ADDED of one of the writes, after the one before it. */
  inOrder: boolean;
  /** The start of a line the last chunk cut off. */
  rest?: Buffer;
}

/** An event line as the first watcher to receive it parsed it: its bytes and what they say. */
interface Seen {
  bytes: Buffer;
  type: string;
  name: string;
  rv: number;
}

function parseEvent(bytes: Buffer): Seen {
  const ev = JSON.parse(bytes.toString()) as { type: string; object: { metadata: { name: string; resourceVersion: string } } };
  return { bytes, type: ev.type, name: ev.object.metadata.name, rv: Number(ev.object.metadata.resourceVersion) };
}

async function run(label: string, store: string): Promise<void> {
  const { proc, url } = await startServer(store);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const get = async (path: string) => (await fetch(url + path)).json() as Promise<Record<string, unknown>>;
  const rv = ((await get('/api/v1/namespaces/default/configmaps')).metadata as { resourceVersion: string }).resourceVersion;
  const latencies: number[] = [];
  const writeStart = new Map<string, number>();
  const watchers: Watcher[] = [];
  /** The events in the order the first watcher to reach each place got them. */
  const stream: Seen[] = [];
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
          res.on('data', (chunk: Buffer) => {
            if (w.rest) chunk = Buffer.concat([w.rest, chunk]);
            w.rest = undefined;
            let start = 0;
            for (let nl: number; (nl = chunk.indexOf(10, start)) >= 0; start = nl + 1) {
              const known = stream[w.seen];
              // The same bytes as the event other watchers got at this place, or parsed on their own.
              let ev: Seen;
              if (known && known.bytes.length === nl + 1 - start && known.bytes.compare(chunk, start, nl + 1) === 0) ev = known;
              else {
                ev = parseEvent(Buffer.from(chunk.subarray(start, nl + 1)));
                if (!known) stream[w.seen] = ev;
              }
              const t0 = writeStart.get(ev.name);
              if (ev.type !== 'ADDED' || t0 === undefined || ev.rv <= w.lastRV) w.inOrder = false;
              else latencies.push(performance.now() - t0);
              w.lastRV = ev.rv;
              if (++w.seen === WRITES && ++finished === WATCHERS) allDone();
            }
            if (start < chunk.length) w.rest = chunk.subarray(start);
          });
        });
        reqs.push(req);
      }),
    ),
  );
  const t0 = performance.now();
  const serverCpu0 = cpuOf(proc.pid!);
  const clientCpu0 = process.cpuUsage();
  let written = 0;
  const posts: Promise<number>[] = [];
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(WRITES, Math.floor(((performance.now() - t0) / 1000) * RATE));
      for (; written < due; written++) {
        const name = `bench-${written}`;
        writeStart.set(name, performance.now());
        posts.push(
          fetch(`${url}/api/v1/namespaces/default/configmaps`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'watch' } }, data: { i: String(written) } }),
          }).then(
            async (res) => (await res.arrayBuffer(), res.status),
            (e: Error) => (console.error(`POST ${name}: ${e.message} (${String((e.cause as Error | undefined)?.message)})`), 0),
          ),
        );
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
  const serverCpu = cpuOf(proc.pid!) - serverCpu0;
  const clientCpu = cpuMs(clientCpu0);
  const created = (await Promise.all(posts)).filter((c) => c === 201).length;
  const rss = peakRssOf(proc.pid!);
  reqs.forEach((r) => r.destroy());
  agent.destroy();
  proc.kill('SIGTERM');
  const lost = watchers.reduce((n, w) => n + (WRITES - w.seen), 0);
  const ordered = watchers.every((w) => w.inOrder);
  line(`${label}: watchers × writes`, `${WATCHERS} × ${WRITES} (${RATE}/s for ${SECONDS} s), all delivered in ${elapsed.toFixed(1)} s${outcome === 'timeout' ? ' (TIMED OUT)' : ''}`);
  line(`${label}: writes answered 201`, `${created} / ${WRITES}`, { ok: created === WRITES, text: `${WRITES}` });
  line(`${label}: CPU server / bench client`, `${(serverCpu / 1000).toFixed(1)} / ${(clientCpu / 1000).toFixed(1)} s`);
  line(`${label}: events lost / out of order`, `${lost} / ${ordered ? 0 : watchers.filter((w) => !w.inOrder).length}`, { ok: lost === 0 && ordered, text: '0 / 0' });
  line(`${label}: write → watcher latency p50`, `${pct(latencies, 50).toFixed(1)} ms`, { ok: pct(latencies, 50) < 100, text: '< 100 ms' });
  line(`${label}: write → watcher latency p99`, `${pct(latencies, 99).toFixed(1)} ms`, { ok: pct(latencies, 99) < 1000, text: '< 1 s' });
  line(`${label}: server peak RSS`, `${rss.toFixed(0)} MB`, { ok: rss < 1024, text: '< 1 GB' });
}

/**
 * etcd's own watch fan-out: the same writes, 1,000 watchers of the etcd3 client (on one client,
 * as etcd multiplexes a client's watchers on one gRPC stream), each checked to see every put in
 * revision order. The puts are executed: an etcd3 builder does nothing until it is awaited.
 */
async function rawEtcd(endpoint: string): Promise<void> {
  const client = new Etcd3({ hosts: endpoint });
  const latencies: number[] = [];
  const starts = new Map<string, number>();
  const watchers: { seen: number; lastRev: number; inOrder: boolean }[] = [];
  let finished = 0;
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => (allDone = r));
  const streams = await Promise.all(
    Array.from({ length: WATCHERS }, async () => {
      const st = { seen: 0, lastRev: 0, inOrder: true };
      watchers.push(st);
      const w = await client.watch().prefix('/bench/').create();
      w.on('put', (kv) => {
        const t0 = starts.get(kv.key.toString());
        const rev = Number(kv.mod_revision);
        if (t0 === undefined || rev <= st.lastRev) st.inOrder = false;
        else latencies.push(performance.now() - t0);
        st.lastRev = rev;
        if (++st.seen === WRITES && ++finished === WATCHERS) allDone();
      });
      return w;
    }),
  );
  const t0 = performance.now();
  const puts: Promise<boolean>[] = [];
  for (let i = 0; i < WRITES; i++) {
    const due = t0 + (i / RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const key = `/bench/${i}`;
    starts.set(key, performance.now());
    puts.push(client.put(key).value(String(i)).exec().then(() => true, () => false));
  }
  const put = (await Promise.all(puts)).filter(Boolean).length;
  const outcome = await Promise.race([done.then(() => 'done' as const), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
  const elapsed = (performance.now() - t0) / 1000;
  const lost = watchers.reduce((n, w) => n + (WRITES - w.seen), 0);
  const disordered = watchers.filter((w) => !w.inOrder).length;
  line('etcd itself (etcd3 watchers): delivered', `${WATCHERS} × ${put} puts in ${elapsed.toFixed(1)} s${outcome === 'timeout' ? ' (TIMED OUT)' : ''}, ${lost} lost, ${disordered} out of order`);
  line('etcd itself (etcd3 watchers): latency p50 / p99', `${pct(latencies, 50).toFixed(1)} / ${pct(latencies, 99).toFixed(1)} ms`);
  await Promise.all(streams.map((w) => w.cancel()));
  client.close();
}

machine();
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

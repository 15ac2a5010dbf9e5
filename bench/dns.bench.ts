// Cluster DNS on 10,000 Services: the record-set build time and queries per second from
// `dnsperf` (when installed) or the built-in loopback load generator against the real server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../src/cluster/cluster.js';
import { CorednsInstance } from '../src/dns/instance.js';
import { startDnsServer } from '../src/dns/server.js';
import { transferRecords, untransferredRecords } from '../src/dns/zone.js';
import { readTopologyValues } from '../src/topology/load.js';
import { generateCluster } from './generate.js';
import { line, ms, peakRssMB } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const SERVICES = 10_000;
const docs = generateCluster({ nodes: 100, services: SERVICES, podsPerService: 2 });
// Every tenth Service headless, so answers include per-endpoint records.
let n = 0;
for (const d of docs) if (d.kind === 'Service' && n++ % 10 === 0) (d.spec as Record<string, unknown>).clusterIP = 'None';

let t0 = performance.now();
const cluster = new Cluster(readTopologyValues(docs, 'generated'));
line('cluster', `${SERVICES} Services, ${cluster.store.count('Pod')} pods, ${cluster.store.count('EndpointSlice')} EndpointSlices (load ${(ms(t0) / 1000).toFixed(2)} s)`);

t0 = performance.now();
const inst = new CorednsInstance(cluster);
const watchMs = ms(t0);
t0 = performance.now();
const k = inst.kubernetes!;
const zone = transferRecords(k, 'cluster.local.');
const extra = untransferredRecords(k);
const zoneMs = ms(t0);
line('agent view from store watches', `${watchMs.toFixed(0)} ms`, { ok: watchMs < 1000, text: '< 1 s' });
line('record set (AXFR order + PTRs)', `${zoneMs.toFixed(0)} ms for ${zone.length + extra.length} records`, { ok: zoneMs < 2000, text: '< 2 s' });

const server = await startDnsServer(inst, { host: '127.0.0.1', port: 0 });
const dir = mkdtempSync(join(tmpdir(), 'knet-dns-bench-'));
const qfile = join(dir, 'queries.txt');
const qs: string[] = [];
for (let i = 0; i < 5000; i++) {
  const s = (i * 7919) % SERVICES;
  const kind = i % 5;
  if (kind === 0 || kind === 1) qs.push(`app-${s}.default.svc.cluster.local A`);
  else if (kind === 2) qs.push(`_http._tcp.app-${s}.default.svc.cluster.local SRV`);
  else if (kind === 3) qs.push(`nope-${s}.default.svc.cluster.local A`);
  else qs.push(`app-${s}.default.svc.cluster.local AAAA`);
}
writeFileSync(qfile, `${qs.join('\n')}\n`);

const SECONDS = 5;
const present = () => spawnSync('dnsperf', ['-h'], { encoding: 'utf8' }).error === undefined;
// Debian's dnsperf, installed here where the bench may (root with apt-get); the built-in generator otherwise.
if (!present() && process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0) {
  process.stdout.write('installing dnsperf (apt-get install dnsperf) ...\n');
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'dnsperf'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
const hasDnsperf = present();
// The server shares this process's event loop, so the load generator must run elsewhere:
// dnsperf, or our generator in a child process.
async function runChild(cmd: string, args: string[]): Promise<string> {
  const { spawn } = await import('node:child_process');
  return new Promise((res) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', () => res(out));
  });
}
try {
  if (hasDnsperf) {
    const out = await runChild('dnsperf', ['-s', '127.0.0.1', '-p', String(server.address.port), '-d', qfile, '-l', String(SECONDS), '-c', '4', '-q', '200']);
    const qps = Number(out.match(/Queries per second:\s+([\d.]+)/)?.[1] ?? 0);
    const lost = out.match(/Queries lost:\s+(\d+)/)?.[1] ?? '?';
    line('dnsperf queries per second', `${qps.toFixed(0)} qps (${SECONDS} s, 200 in flight, lost ${lost})`, { ok: qps >= 5000, text: '>= 5,000 qps' });
  } else {
    line('dnsperf', 'not installed (Debian package dnsperf); using the built-in generator');
  }
  const out = await runChild(process.execPath, ['--import', 'tsx', join(here, 'dns-load.ts'), String(server.address.port), String(SECONDS), '200', qfile]);
  const r = JSON.parse(out.trim().split('\n').pop()!) as { qps: number; completed: number; lost: number };
  line('built-in loopback load queries per second', `${r.qps.toFixed(0)} qps (${SECONDS} s, 200 in flight, lost ${r.lost})`, { ok: r.qps >= 5000, text: '>= 5,000 qps' });
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);

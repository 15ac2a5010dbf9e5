// dig itself against `knet dns serve` (the built CLI in a child process, loopback, free port):
// A, SRV, PTR and a zone transfer. Skipped with the reason when dig is not installed.
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOPOLOGY } from '../../src/topology/load.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasDig = spawnSync('dig', ['-v'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'knet-dig-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the built `knet dns serve` and resolves with its port once it says it is listening. */
function serve(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'knet.js'), 'dns', 'serve', '--listen', '127.0.0.1:0', '--max-seconds', '60', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`knet dns serve did not start: ${err}`));
    }, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`knet dns serve exited ${code}: ${err}`));
    });
  });
}

function dig(port: number, ...args: string[]): string {
  const r = spawnSync('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=3', ...args], { encoding: 'utf8' });
  return r.stdout;
}

/** The answer lines of `dig +noall +answer`, whitespace collapsed. */
const lines = (s: string): string[] => s.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.trim().split(/\s+/).join(' '));

if (!hasDig) {
  test.skip('dig against knet dns serve (skipped: dig is not installed; apt-get install dnsutils)', () => {});
} else {
  test('dig against knet dns serve: A, SRV, PTR and AXFR cluster.local', async (t) => {
    // The default topology with the transfer plugin added to its Corefile.
    const topo = join(dir, 'axfr.yaml');
    writeFileSync(topo, readFileSync(DEFAULT_TOPOLOGY, 'utf8').replace('        prometheus :9153', '        transfer {\n           to *\n        }\n        prometheus :9153'));
    const { child, port } = await serve(['-f', topo]);
    try {
      t.deepEqual(lines(dig(port, '+noall', '+answer', 'nginx.default.svc.cluster.local', 'A')), ['nginx.default.svc.cluster.local. 30 IN A 10.1.0.2']);
      const full = dig(port, 'kube-dns.kube-system.svc.cluster.local', 'A');
      t.regex(full, /status: NOERROR/);
      t.regex(full, /flags: qr aa rd;/);
      t.deepEqual(lines(dig(port, '+noall', '+answer', '+additional', '_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV')), [
        '_dns._udp.kube-dns.kube-system.svc.cluster.local. 30 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.',
        'kube-dns.kube-system.svc.cluster.local. 30 IN A 10.1.0.10',
      ]);
      t.deepEqual(lines(dig(port, '+noall', '+answer', '-x', '10.1.0.10')), ['10.0.1.10.in-addr.arpa. 30 IN PTR kube-dns.kube-system.svc.cluster.local.']);
      const nx = dig(port, 'nope.default.svc.cluster.local', 'A');
      t.regex(nx, /status: NXDOMAIN/);
      t.regex(nx, /cluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/);
      const axfr = lines(dig(port, 'AXFR', 'cluster.local'));
      t.is(axfr.length, 16);
      t.regex(axfr[0]!, /^cluster\.local\. 30 IN SOA /);
      t.is(axfr[1], 'cluster.local. 30 IN NS kube-dns.kube-system.svc.cluster.local.');
      t.is(axfr[13], 'nginx.default.svc.cluster.local. 30 IN A 10.1.0.2');
      t.regex(axfr[15]!, /^cluster\.local\. 30 IN SOA /);
      // The transfer matches `knet dns records` record for record.
      const rec = spawnSync(process.execPath, [join(root, 'bin', 'knet.js'), 'dns', 'records', '-f', topo], { encoding: 'utf8' });
      t.deepEqual(axfr, lines(rec.stdout.split('; served by')[0]!));
    } finally {
      child.kill('SIGTERM');
    }
  });
}

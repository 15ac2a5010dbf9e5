// A throwaway etcd for a test: /usr/bin/etcd on free loopback ports, its data in a temp dir,
// killed (and the dir removed) when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

export const ETCD = '/usr/bin/etcd';
export const HAVE_ETCD = existsSync(ETCD);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestEtcd {
  endpoint: string;
  store: string;
  client: Etcd3;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'knet-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const name = `knet-${process.pid}-${client}`;
  const proc: ChildProcess = spawn(
    ETCD,
    [
      '--name', name,
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', `http://127.0.0.1:${client}`,
      '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `${name}=http://127.0.0.1:${peer}`,
      '--log-level', 'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const endpoint = `http://127.0.0.1:${client}`;
  const etcd = new Etcd3({ hosts: endpoint });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await etcd.get('/knet-probe').string();
      break;
    } catch (e) {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`etcd did not start: ${(e as Error).message}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    store: `etcd://127.0.0.1:${client}`,
    client: etcd,
    async stop() {
      etcd.close();
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A knet API server on a random loopback port with a fixed clock, a kubeconfig for it, and
// the real kubectl pointed at it (through its own cache directory).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXED_CLOCK } from '../../src/api/store.js';
import { DEFAULT_PRINTER, SERVER_PRINTERS } from '../../src/cli/serve.js';
import { kubeconfig } from '../../src/server/kubeconfig.js';
import { startApiServer, type ApiServer, type ServerOptions } from '../../src/server/server.js';
import { MemoryStorage } from '../../src/server/storage.js';
import { selfSignedTLS } from '../../src/server/tls.js';
import { randomBytes } from 'node:crypto';

export const KUBECTL = '/usr/bin/kubectl';
export const HAVE_KUBECTL = existsSync(KUBECTL);

/** The clock every test server runs on: AGE columns read 0s for what the topology holds. */
export const NOW = Date.parse(FIXED_CLOCK);

export interface Harness {
  server: ApiServer;
  dir: string;
  kubeconfig: string;
  kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  close(): Promise<void>;
}

/** Closing twice (a test, then its teardown) closes once. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

export async function startHarness(opts: Partial<ServerOptions> = {}, how: { secure?: boolean } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'knet-server-'));
  const tls = how.secure ? selfSignedTLS('127.0.0.1') : undefined;
  const token = how.secure ? randomBytes(16).toString('hex') : undefined;
  const server = await startApiServer({
    storage: new MemoryStorage(),
    files: [],
    host: '127.0.0.1',
    port: 0,
    printers: SERVER_PRINTERS,
    defaultPrinter: DEFAULT_PRINTER,
    now: () => NOW,
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
    ...(token ? { token } : {}),
    ...opts,
  });
  const kc = join(dir, 'kubeconfig');
  writeFileSync(kc, kubeconfig(server.url, { ...(tls ? { caData: tls.ca } : {}), ...(token ? { token } : {}) }));
  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(KUBECTL, ['--kubeconfig', kc, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 60_000 }, (err, out, errOut) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: errOut });
      });
    });
  return {
    server,
    dir,
    kubeconfig: kc,
    kubectl,
    close: once(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }),
  };
}

// `knet serve`: the emulated cluster behind a Kubernetes API server, for kubectl and client
// libraries; the controllers and node agents react to every write.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { startApiServer, type ApiServer } from '../server/server.js';
import { kubeconfig } from '../server/kubeconfig.js';
import { MemoryStorage, type Storage } from '../server/storage.js';
import { EtcdStorage } from '../server/etcd-storage.js';
import type { TablePrinter } from '../server/table.js';
import { selfSignedTLS } from '../server/tls.js';
import { collect, type IO } from './context.js';
import { PRINTERS } from './printers.js';
import { humanDuration } from './table.js';

const age = (now: number, ts: string | undefined) => humanDuration(now - Date.parse(ts ?? ''));

export const DEFAULT_PRINTER: TablePrinter = {
  header: () => ['NAME', 'AGE'],
  row: (o, c) => [o.metadata.name, age(c.now, o.metadata.creationTimestamp)],
};

const LEASES: TablePrinter = {
  header: () => ['NAME', 'HOLDER', 'AGE'],
  row: (o, c) => [o.metadata.name, (o as unknown as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? '', age(c.now, o.metadata.creationTimestamp)],
};

export const SERVER_PRINTERS: Record<string, TablePrinter> = { ...(PRINTERS as Record<string, TablePrinter>), Lease: LEASES };

function parseListen(text: string): { host: string; port: number } {
  const m = text.match(/^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d+)$/);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InputError(`--listen "${text}": want HOST:PORT, e.g. 127.0.0.1:6443`, 2);
  return { host: m[1] ?? m[2]!, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function openStorage(spec: string): Storage {
  if (spec === 'memory') return new MemoryStorage();
  const m = spec.match(/^etcd:\/\/([^/:]+):(\d+)$/);
  if (!m) throw new InputError(`--store "${spec}": want memory or etcd://HOST:PORT`, 2);
  return new EtcdStorage(`http://${m[1]}:${m[2]}`);
}

export interface ServeFlags {
  filename: string[];
  listen: string;
  store: string;
  kubeconfig?: string;
  requestTimeout: string;
  tls?: boolean;
}

/** Starts the server the flags describe (the command waits for a signal; tests close it). */
export async function serve(flags: ServeFlags, io: IO): Promise<ApiServer> {
  const { host, port } = parseListen(flags.listen);
  if (!/^\d+$/.test(flags.requestTimeout)) throw new InputError(`--request-timeout "${flags.requestTimeout}": want whole seconds`, 2);
  const storage = openStorage(flags.store);
  const secure = !!flags.tls || !isLoopback(host);
  const tls = secure ? selfSignedTLS(host) : undefined;
  const token = secure ? randomBytes(24).toString('hex') : undefined;
  const shared = flags.store !== 'memory';
  const server = await startApiServer({
    storage,
    files: flags.filename,
    host,
    port,
    printers: SERVER_PRINTERS,
    defaultPrinter: DEFAULT_PRINTER,
    requestTimeoutMs: Number(flags.requestTimeout) * 1000,
    ...(shared ? { elect: { identity: `${hostname()}_${randomBytes(8).toString('hex')}`, leaseDurationMs: 15_000, retryMs: 2_000 } } : {}),
    ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}),
    ...(token ? { token } : {}),
  });
  io.out(`Serving the Kubernetes API at ${server.url} (store: ${storage.description})\n`);
  if (flags.kubeconfig) {
    writeFileSync(flags.kubeconfig, kubeconfig(server.url, { ...(tls ? { caData: tls.ca } : {}), ...(token ? { token } : {}) }), { mode: 0o600 });
    io.out(`Wrote ${flags.kubeconfig}: kubectl --kubeconfig ${flags.kubeconfig} get pods -A\n`);
  }
  return server;
}

export function serveCommand(io: IO): Command {
  return new Command('serve')
    .description('serve the emulated cluster as a Kubernetes API (kubectl and client libraries work against it)')
    .option('-f, --filename <file|dir>', 'topology to seed an empty store with (repeatable; default: topologies/kubeadm-3node.yaml)', collect, [])
    .option('--listen <host:port>', 'address to listen on (plain HTTP on loopback; TLS and a bearer token elsewhere)', '127.0.0.1:6443')
    .option('--store <store>', 'memory, or etcd://HOST:PORT to keep the objects in etcd (several servers may share it)', 'memory')
    .option('--kubeconfig <file>', 'write a kubeconfig for this server to FILE')
    .option('--tls', 'serve TLS with a bearer token on loopback too')
    .option('--request-timeout <seconds>', 'close clients that have not sent their whole request by then', '60')
    .action(async (flags: ServeFlags) => {
      const server = await serve(flags, io);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}

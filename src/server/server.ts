// `knet serve`'s API server: fastify routes over the watch cache and storage, the emulated
// cluster's controllers and node agents running against it (on the elected leader when
// several servers share one etcd), and kube-apiserver's error bodies for whatever goes wrong.
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { log } from '../log.js';
import { ClusterBridge } from './bridge.js';
import { WatchCache } from './cache.js';
import { registerDiscovery } from './discovery.js';
import { LeaderElector } from './lease.js';
import { registerOpenAPI } from './openapi.js';
import { Registry, timestamp } from './registry.js';
import { registerRoutes } from './routes.js';
import { seedStorage } from './seed.js';
import { internal, resourceNotFound, sendJSON, StatusError, timeout, tooLarge, unauthorized, unsupportedMediaType, badRequest, type Status } from './status.js';
import type { Storage } from './storage.js';
import type { TablePrinter } from './table.js';

export interface ServerOptions {
  storage: Storage;
  /** Topology files to seed an empty store with (the default topology when none and the store is empty). */
  files: string[];
  host: string;
  port: number;
  printers: Record<string, TablePrinter>;
  defaultPrinter: TablePrinter;
  now?: () => number;
  /** kube-apiserver's limit on request bodies: 3 MiB. */
  bodyLimit?: number;
  /** A client that has not sent its whole request by then gets 408 (slowloris). */
  requestTimeoutMs?: number;
  bookmarkEveryMs?: number;
  /** Run the controllers only while holding the controller-manager Lease (a shared store). */
  elect?: { identity: string; leaseDurationMs: number; retryMs: number };
  tls?: { key: string; cert: string };
  token?: string;
}

export interface ApiServer {
  url: string;
  app: FastifyInstance;
  registry: Registry;
  cache: WatchCache;
  /** The emulated cluster, while this server runs the controllers. */
  bridge(): ClusterBridge | undefined;
  elector?: LeaderElector;
  /** Forgets the watch window, as kube-apiserver's compactor does: older watches get 410. */
  compact(): Promise<void>;
  close(): Promise<void>;
}

function statusBody(s: Status): string {
  return JSON.stringify(s);
}

/** What to answer a client whose request never completed: a Status, then close. */
function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const s = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? timeout('request did not complete within the allowed time').status : badRequest(`malformed HTTP request: ${err.code ?? err.message}`).status;
  const body = statusBody(s);
  socket.end(`HTTP/1.1 ${s.code} ${s.code === 408 ? 'Request Timeout' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export async function startApiServer(o: ServerOptions): Promise<ApiServer> {
  const now = o.now ?? Date.now;
  const bodyLimit = o.bodyLimit ?? 3 * 1024 * 1024;
  const requestTimeout = o.requestTimeoutMs ?? 60_000;
  await seedStorage(o.storage, o.files, now);
  const cache = new WatchCache(o.storage);
  await cache.start();
  const registry = new Registry(o.storage, cache, now);
  let bridge: ClusterBridge | undefined;
  const runControllers = () => {
    bridge = new ClusterBridge(o.storage, cache, () => timestamp(now()));
    registry.bridge = bridge;
    for (const w of bridge.cluster.warnings) log().warn(w);
  };
  const stopControllers = async () => {
    const b = bridge;
    bridge = undefined;
    registry.bridge = undefined;
    await b?.stop();
  };
  let elector: LeaderElector | undefined;
  if (o.elect) {
    elector = new LeaderElector(registry, o.elect.identity, o.elect.leaseDurationMs, o.elect.retryMs, now, { started: runControllers, stopped: stopControllers });
    await elector.start();
  } else runControllers();

  const app = Fastify({
    bodyLimit,
    requestTimeout,
    forceCloseConnections: true,
    http: { headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeout / 4))) },
    ...(o.tls ? { https: { key: o.tls.key, cert: o.tls.cert } } : {}),
    clientErrorHandler: clientError,
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // The server's clock is the one clients' ages and --server clusters go by.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('date', new Date(now()).toUTCString());
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  if (o.token) {
    const want = `Bearer ${o.token}`;
    app.addHook('onRequest', async (req, reply) => {
      if (req.headers.authorization !== want) return sendJSON(reply, 401, unauthorized().status);
    });
  }
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    let s: Status;
    if (err instanceof StatusError) s = err.status;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') s = tooLarge(bodyLimit).status;
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') s = unsupportedMediaType(String(req.headers['content-type'])).status;
    else if (err.statusCode && err.statusCode < 500) s = badRequest(err.message).status;
    else {
      log().error({ err, url: req.url }, 'internal error');
      s = internal(err.message).status;
    }
    return sendJSON(reply, s.code, s);
  });
  app.setNotFoundHandler((_req, reply) => sendJSON(reply, 404, resourceNotFound().status));
  let url = '';
  registerDiscovery(app, () => url.replace(/^https?:\/\//, ''));
  registerOpenAPI(app);
  registerRoutes(app, { registry, printers: o.printers, defaultPrinter: o.defaultPrinter, now, bookmarkEveryMs: o.bookmarkEveryMs ?? 60_000 });
  await app.listen({ host: o.host, port: o.port });
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : o.port;
  url = `${o.tls ? 'https' : 'http'}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  return {
    url,
    app,
    registry,
    cache,
    bridge: () => bridge,
    ...(elector ? { elector } : {}),
    async compact() {
      await o.storage.compact(cache.rv);
      cache.compact();
    },
    async close() {
      await app.close();
      await elector?.stop();
      await stopControllers();
      cache.stop();
      await o.storage.close();
    },
  };
}


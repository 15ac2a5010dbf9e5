// ?watch=1: a stream of JSON watch events from the watch cache, as kube-apiserver sends them.
// resourceVersion unset or "0" starts with every current object as ADDED; a number replays
// the window after it (410 Expired as an ERROR event when it is too old). Objects moving in
// or out of the selectors arrive as ADDED or DELETED. BOOKMARK events carry the current
// resourceVersion when asked for; sendInitialEvents ends its ADDED events with one.
import type { FastifyReply } from 'fastify';
import type { ApiObject, CacheEvent } from './cache.js';
import type { Registry } from './registry.js';
import { apiVersionOf, type Resource } from './resources.js';
import { matches, type Selectors } from './selectors.js';
import { StatusError } from './status.js';
import { encoded, selects, StreamWriter } from './watch-stream.js';

export interface WatchRequest {
  resource: Resource;
  namespace?: string;
  selectors: Selectors;
  resourceVersion?: number;
  bookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number;
  bookmarkEveryMs: number;
  /** Turns an object into what this client asked for (a Table row, or the object itself). */
  render: (o: ApiObject, first: boolean) => unknown;
  contentType: string;
}

export function serveWatch(reply: FastifyReply, registry: Registry, w: WatchRequest): void {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'content-type': w.contentType, 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
  raw.flushHeaders?.();
  let first = true;
  let closed = false;
  const out = new StreamWriter(raw);
  const send = (type: string, object: unknown) => out.send(encoded(type, object));
  const sendObject = (type: string, o: ApiObject) => {
    send(type, w.render(o, first));
    first = false;
  };
  const bookmark = (annotations?: Record<string, string>) =>
    send('BOOKMARK', { kind: w.resource.kind, apiVersion: apiVersionOf(w.resource), metadata: { resourceVersion: String(registry.cache.rv), ...(annotations ? { annotations } : {}) } });
  const inNs = (o: ApiObject) => w.namespace === undefined || o.metadata.namespace === w.namespace;
  const selected = (o: ApiObject | undefined) => !!o && inNs(o) && selects(w.selectors, o);
  const onEvent = (ev: CacheEvent) => {
    const now = selected(ev.object);
    const before = ev.type === 'MODIFIED' ? selected(ev.prevObject) : now;
    if (ev.type === 'MODIFIED' && now !== before) sendObject(now ? 'ADDED' : 'DELETED', ev.object);
    else if (now) sendObject(ev.type, ev.object);
  };
  let stop = () => {};
  try {
    if (w.resourceVersion === undefined || w.resourceVersion === 0 || w.sendInitialEvents) {
      for (const o of registry.cache.list(w.resource, w.namespace)) if (matches(w.selectors, o)) sendObject('ADDED', o);
      if (w.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
      stop = registry.cache.watch(w.resource, registry.cache.rv, onEvent);
    } else stop = registry.cache.watch(w.resource, w.resourceVersion, onEvent);
  } catch (e) {
    if (!(e instanceof StatusError)) throw e;
    send('ERROR', e.status);
    out.end();
    return;
  }
  const timers = [setTimeout(() => out.end(), w.timeoutSeconds * 1000)];
  if (w.bookmarks) timers.push(setInterval(() => bookmark(), w.bookmarkEveryMs));
  const finish = () => {
    if (closed) return;
    closed = true;
    out.close();
    stop();
    timers.forEach((t) => clearTimeout(t));
  };
  raw.on('close', finish);
  raw.on('finish', finish);
}

// The REST paths of every served resource, on fastify's router: collections and objects,
// namespaced and cluster-scoped, and the status and scale subresources.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applyJSONPatch, applyMergePatch } from './patch.js';
import { applyStrategicPatch } from './strategic.js';
import { serverSideApply } from './apply.js';
import { objectBody, patchBody, patchTypeOf } from './body.js';
import type { ApiObject } from './cache.js';
import { parseRV, type Registry, type Written } from './registry.js';
import { apiVersionOf, findResource, type Resource } from './resources.js';
import { parseSelectors, matches } from './selectors.js';
import { badRequest, expired, methodNotAllowed, notFound, resourceNotFound, sendJSON, success } from './status.js';
import { toTable, type TablePrinter } from './table.js';
import { serveWatch } from './watch.js';

export interface RouteContext {
  registry: Registry;
  printers: Record<string, TablePrinter>;
  defaultPrinter: TablePrinter;
  now: () => number;
  bookmarkEveryMs: number;
}

interface Target {
  resource: Resource;
  namespace?: string;
  name?: string;
  sub?: string;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

/** Resolves a request path to a resource; `namespaces/NAME/status` and such are cluster-scoped subresources. */
function target(p: Params): Target {
  const group = p.group ?? '';
  const version = p.version ?? 'v1';
  if (p.ns !== undefined && p.plural !== undefined && (p.plural === 'status' || p.plural === 'finalize') && p.name === undefined) {
    const r = findResource('', 'v1', 'namespaces');
    if (group === '' && r) return { resource: r, name: p.ns, sub: p.plural };
  }
  const plural = p.plural ?? (p.ns !== undefined ? 'namespaces' : '');
  const r = findResource(group, version, plural);
  if (!r) throw resourceNotFound();
  if (p.plural === undefined && p.ns !== undefined) return { resource: r, name: p.ns };
  if (p.ns !== undefined && !r.namespaced) throw resourceNotFound();
  const t: Target = { resource: r, ...(p.ns !== undefined ? { namespace: p.ns } : {}), ...(p.name !== undefined ? { name: p.name } : {}) };
  if (p.sub !== undefined) {
    if (!r.subresources.includes(p.sub as 'status')) throw resourceNotFound();
    t.sub = p.sub;
  }
  if (p.ns === undefined && r.namespaced && t.name !== undefined) throw resourceNotFound();
  return t;
}

/** What the Accept header asks for: a Table (kubectl get) or the objects. */
function wantsTable(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').split(',').some((a) => a.replace(/\s+/g, '').split(';').includes('as=Table') && a.includes('g=meta.k8s.io'));
}

function stripTypeMeta(o: ApiObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

function warn(reply: FastifyReply, warnings: string[]): void {
  if (warnings.length) reply.header('warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', '));
}

function json(reply: FastifyReply, code: number, body: unknown): FastifyReply {
  return sendJSON(reply, code, body);
}

function isDryRun(q: Query): boolean {
  return q.dryRun === 'All';
}

function scaleOf(r: Resource, o: ApiObject): Record<string, unknown> {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (o.status ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

export function registerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry } = ctx;

  const render = (req: FastifyRequest, t: Target, objects: ApiObject[], listMeta: Record<string, unknown>, noHeaders = false): unknown => {
    const q = req.query as Query;
    const printer = ctx.printers[t.resource.kind] ?? ctx.defaultPrinter;
    const includeObject = q.includeObject === 'Object' || q.includeObject === 'None' ? q.includeObject : 'Metadata';
    return toTable(printer, objects, { store: registry.tableStore(), now: ctx.now() }, { includeObject, noHeaders }, listMeta);
  };

  const list = async (req: FastifyRequest, reply: FastifyReply, t: Target) => {
    const q = req.query as Query;
    const selectors = parseSelectors(t.resource, q.labelSelector, q.fieldSelector);
    const rv = parseRV(q.resourceVersion);
    if (q.watch === 'true' || q.watch === '1') {
      const table = wantsTable(req);
      return serveWatch(reply, registry, {
        resource: t.resource,
        ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
        selectors,
        ...(rv !== undefined ? { resourceVersion: rv } : {}),
        bookmarks: q.allowWatchBookmarks === 'true',
        sendInitialEvents: q.sendInitialEvents === 'true',
        timeoutSeconds: q.timeoutSeconds && /^\d+$/.test(q.timeoutSeconds) ? Number(q.timeoutSeconds) : 1800,
        bookmarkEveryMs: ctx.bookmarkEveryMs,
        render: (o, first) => (table ? render(req, t, [o], {}, !first) : o),
        contentType: 'application/json',
      });
    }
    if (rv !== undefined && rv > registry.cache.rv) await registry.cache.waitFor(rv);
    let items = registry.cache.list(t.resource, t.namespace).filter((o) => matches(selectors, o));
    const meta: Record<string, unknown> = { resourceVersion: String(registry.cache.rv) };
    if (q.continue) {
      let token: { rv: number; start: string };
      try {
        token = JSON.parse(Buffer.from(q.continue, 'base64').toString()) as { rv: number; start: string };
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
      if (token.rv < registry.cache.oldestRV) throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > token.start);
    }
    const limit = q.limit && /^\d+$/.test(q.limit) ? Number(q.limit) : 0;
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1]!;
      meta.continue = Buffer.from(JSON.stringify({ rv: registry.cache.rv, start: `${last.metadata.namespace ?? ''}/${last.metadata.name}` })).toString('base64');
      meta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    if (wantsTable(req)) return json(reply, 200, render(req, t, items, meta));
    return json(reply, 200, { kind: `${t.resource.kind}List`, apiVersion: apiVersionOf(t.resource), metadata: meta, items: items.map(stripTypeMeta) });
  };

  const mustGet = (t: Target): ApiObject => {
    const o = registry.get(t.resource, t.namespace, t.name!);
    if (!o) throw notFound(t.resource, t.name!);
    return o;
  };

  const respond = (req: FastifyRequest, reply: FastifyReply, t: Target, w: Written, code = 200) => {
    warn(reply, w.warnings);
    if (t.sub === 'scale') return json(reply, code, scaleOf(t.resource, w.object));
    return json(reply, code, wantsTable(req) ? render(req, t, [w.object], { resourceVersion: w.object.metadata.resourceVersion }) : w.object);
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const t = target(req.params as Params);
    const q = req.query as Query;
    const dryRun = isDryRun(q);
    const manager = q.fieldManager ?? (req.headers['user-agent'] ?? 'unknown').split('/')[0]!;
    const method = req.method;
    const body = typeof req.body === 'string' ? req.body : '';
    if (t.name === undefined) {
      if (method === 'GET') return list(req, reply, t);
      if (method === 'POST') {
        if (t.resource.namespaced && t.namespace === undefined) throw methodNotAllowed('create', t.resource);
        const w = await registry.create(t.resource, t.namespace, objectBody(req.headers["content-type"], body), { dryRun, manager });
        return respond(req, reply, t, w, 201);
      }
      if (method === 'DELETE') {
        const selectors = parseSelectors(t.resource, q.labelSelector, q.fieldSelector);
        const gone: ApiObject[] = [];
        for (const o of registry.cache.list(t.resource, t.namespace).filter((x) => matches(selectors, x))) {
          gone.push(await registry.delete(t.resource, o.metadata.namespace, o.metadata.name, {}, dryRun));
        }
        return json(reply, 200, { kind: `${t.resource.kind}List`, apiVersion: apiVersionOf(t.resource), metadata: { resourceVersion: String(registry.cache.rv) }, items: gone.map(stripTypeMeta) });
      }
      throw methodNotAllowed(method.toLowerCase(), t.resource);
    }
    const name = t.name;
    if (method === 'GET') {
      const o = mustGet(t);
      return respond(req, reply, t, { object: o, warnings: [] });
    }
    if (method === 'DELETE') {
      const opts = body.trim() ? objectBody(req.headers['content-type'], body) : {};
      const pre = (opts.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
      const o = await registry.delete(t.resource, t.namespace, name, pre, dryRun);
      return json(reply, 200, success(t.resource, name, o.metadata.uid));
    }
    const statusOnly = t.sub === 'status';
    if (method === 'PUT') {
      let input = objectBody(req.headers['content-type'], body);
      if (t.sub === 'scale') input = withReplicas(mustGet(t), input);
      const w = await registry.update(t.resource, t.namespace, name, input, { dryRun, statusOnly, manager });
      return respond(req, reply, t, w);
    }
    if (method === 'PATCH') {
      const type = patchTypeOf(req.headers['content-type']);
      const patch = patchBody(type, body);
      if (type === 'apply') {
        const w = await serverSideApply(registry, t.resource, t.namespace, name, patch, { dryRun, statusOnly, manager: q.fieldManager ?? '', force: q.force === 'true', now: ctx.now() });
        return respond(req, reply, t, w);
      }
      const apply = (cur: unknown) => (type === 'json' ? applyJSONPatch(cur, patch) : type === 'merge' ? applyMergePatch(cur, patch) : applyStrategicPatch(cur, patch));
      const w = await registry.modify(
        t.resource,
        t.namespace,
        name,
        (cur) => {
          if (t.sub === 'scale') {
            const scaled = apply(scaleOf(t.resource, cur!)) as { spec?: { replicas?: unknown } };
            return withReplicas(cur!, scaled as Record<string, unknown>);
          }
          const out = apply(cur);
          if (!out || typeof out !== 'object' || Array.isArray(out)) throw badRequest('the patch did not produce an object');
          return out as Record<string, unknown>;
        },
        { dryRun, statusOnly, manager },
      );
      return respond(req, reply, t, w);
    }
    throw methodNotAllowed(method.toLowerCase(), t.resource);
  };

  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
  for (const prefix of ['/api/:version', '/apis/:group/:version']) {
    for (const path of [
      '/:plural',
      '/:plural/:name',
      '/:plural/:name/:sub',
      '/namespaces/:ns',
      '/namespaces/:ns/:plural',
      '/namespaces/:ns/:plural/:name',
      '/namespaces/:ns/:plural/:name/:sub',
    ]) {
      app.route({ method: [...methods], url: prefix + path, handler: handle });
    }
  }
}

/** A Scale written back onto its workload: only spec.replicas moves. */
function withReplicas(o: ApiObject, scale: Record<string, unknown>): Record<string, unknown> {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw badRequest('Scale.spec.replicas must be an integer');
  const sm = (scale.metadata ?? {}) as { resourceVersion?: string };
  return { ...o, metadata: { ...o.metadata, ...(sm.resourceVersion ? { resourceVersion: sm.resourceVersion } : { resourceVersion: undefined }) }, spec: { ...(o.spec as object), replicas } };
}


// OpenAPI for kubectl: v3 (/openapi/v3 and one document per group version, with the PATCH
// operations' fieldValidation parameter so kubectl leaves validation to the server, and the
// schemas `kubectl explain` prints), and v2 (/openapi/v2: the schemas as JSON; as protobuf,
// which kubectl asks for, a document with no definitions).
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { groupVersions, type Resource } from './resources.js';
import { definitionOf, DEFINITIONS } from './schemas.js';
import { VERSION } from './discovery.js';
import { resourceNotFound, sendJSON } from './status.js';

type Schema = Record<string, unknown>;

function rewriteRefs(v: unknown, to: string): unknown {
  if (Array.isArray(v)) return v.map((x) => rewriteRefs(x, to));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? x.replace('#/definitions/', to) : rewriteRefs(x, to)]));
  }
  return v;
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const queryParam = (name: string, description: string): Schema => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });

/** The operations on one resource's object path, as kube-apiserver's v3 documents list them. */
function objectPath(r: Resource): [string, Schema] {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const path = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}/{name}` : `${base}/${r.plural}/{name}`;
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const def = definitionOf(r.group, r.version, r.kind)!;
  const body = { $ref: `#/components/schemas/${def}` };
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: body } } } };
  const common = [queryParam('dryRun', 'When present, changes are not persisted.'), queryParam('fieldManager', 'Name of the actor making the change.')];
  const op = (action: string, extra: Schema = {}): Schema => ({ operationId: `${action}${r.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, responses: ok, ...extra });
  return [
    path,
    {
      parameters: [
        { name: 'name', in: 'path', required: true, description: `name of the ${r.kind}`, schema: { type: 'string', uniqueItems: true } },
        ...(r.namespaced ? [{ name: 'namespace', in: 'path', required: true, description: 'object name and auth scope', schema: { type: 'string', uniqueItems: true } }] : []),
      ],
      get: op('get'),
      put: op('put', { parameters: [...common, queryParam('fieldValidation', 'Ignore, Warn or Strict: what to do with unknown or duplicate fields.')], requestBody: { content: { '*/*': { schema: body } }, required: true } }),
      delete: op('delete'),
      // Strategic merge patch is served but not advertised here, so kubectl computes it from
      // its own compiled types (their patch merge keys) instead of from these trimmed schemas.
      patch: op('patch', {
        parameters: [...common, queryParam('fieldValidation', 'Ignore, Warn or Strict: what to do with unknown or duplicate fields.'), queryParam('force', 'Force server-side apply over conflicts.')],
        requestBody: { content: Object.fromEntries(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'].map((t) => [t, { schema: { type: 'object' } }])), required: true },
      }),
    },
  ];
}

function gvDocument(group: string, version: string, resources: Resource[]): Schema {
  const schemas = rewriteRefs(DEFINITIONS, '#/components/schemas/') as Record<string, Schema>;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: VERSION.gitVersion },
    paths: Object.fromEntries(resources.map(objectPath)),
    components: { schemas },
  };
}

/** A protobuf openapi_v2.Document with swagger and info set: what kubectl's v2 client can parse. */
function v2Protobuf(): Buffer {
  const str = (field: number, s: string): Buffer => {
    const b = Buffer.from(s);
    return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
  };
  const info = Buffer.concat([str(1, 'Kubernetes'), str(2, VERSION.gitVersion)]);
  return Buffer.concat([str(1, '2.0'), Buffer.from([(2 << 3) | 2, info.length]), info]);
}

export function registerOpenAPI(app: FastifyInstance): void {
  const docs = new Map<string, string>();
  for (const g of groupVersions()) docs.set(gvPath(g.group, g.version), JSON.stringify(gvDocument(g.group, g.version, g.resources)));
  const hash = (text: string) => createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
  const root = JSON.stringify({ paths: Object.fromEntries([...docs].map(([p, text]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${hash(text)}` }])) });
  app.get('/openapi/v3', (_req, reply) => sendJSON(reply, 200, root));
  app.get('/openapi/v3/*', (req, reply) => {
    const text = docs.get((req.params as { '*': string })['*']);
    if (!text) return sendJSON(reply, 404, resourceNotFound().status);
    return sendJSON(reply, 200, text);
  });
  const v2json = JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes', version: VERSION.gitVersion }, paths: {}, definitions: DEFINITIONS });
  const v2pb = v2Protobuf();
  app.get('/openapi/v2', (req, reply) => {
    if ((req.headers.accept ?? '').includes('protobuf')) return reply.header('content-type', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf').send(v2pb);
    return sendJSON(reply, 200, v2json);
  });
}


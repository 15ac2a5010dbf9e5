// API discovery as kube-apiserver serves it: /version, the legacy /api and /apis lists, each
// group version's APIResourceList, and aggregated discovery (apidiscovery.k8s.io/v2), which
// current kubectl asks for first.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { groupVersions, VERBS, type Resource } from './resources.js';
import { resourceNotFound, sendJSON } from './status.js';

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const AGGREGATED_BETA = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

export const VERSION = {
  major: '1',
  minor: '35',
  gitVersion: 'v1.35.0-knet',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.25.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** Which aggregated discovery version the Accept header asks for, if any. */
function wantsAggregated(req: FastifyRequest): string | undefined {
  const accept = (req.headers.accept ?? '').replace(/\s+/g, '');
  for (const part of accept.split(',')) {
    const params = part.split(';');
    if (params.includes('g=apidiscovery.k8s.io') && params.includes('as=APIGroupDiscoveryList')) {
      if (params.includes('v=v2')) return AGGREGATED;
      if (params.includes('v=v2beta1')) return AGGREGATED_BETA;
    }
  }
  return undefined;
}

function subresourceKind(r: Resource, sub: string): { group: string; version: string; kind: string } {
  return sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { group: r.group, version: r.version, kind: r.kind };
}

function discoveryResource(r: Resource): Record<string, unknown> {
  return {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: VERBS,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? { subresources: r.subresources.map((s) => ({ subresource: s, responseKind: subresourceKind(r, s), verbs: ['get', 'patch', 'update'] })) }
      : {}),
  };
}

function aggregatedList(core: boolean): Record<string, unknown> {
  const gvs = groupVersions().filter((g) => (g.group === '') === core);
  const groups = [...new Set(gvs.map((g) => g.group))];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((group) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: gvs.filter((g) => g.group === group).map((g) => ({ version: g.version, resources: g.resources.map(discoveryResource), freshness: 'Current' })),
    })),
  };
}

function resourceList(group: string, version: string, resources: Resource[]): Record<string, unknown> {
  const list: Record<string, unknown>[] = [];
  for (const r of resources) {
    list.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources) {
      const k = subresourceKind(r, s);
      list.push({ name: `${r.plural}/${s}`, singularName: '', namespaced: r.namespaced, ...(s === 'scale' ? { group: k.group, version: k.version } : {}), kind: k.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
}

function send(reply: FastifyReply, body: unknown, type = 'application/json'): FastifyReply {
  return sendJSON(reply, 200, body, type);
}

export function registerDiscovery(app: FastifyInstance, serverAddress: () => string): void {
  app.get('/version', (_req, reply) => send(reply, VERSION));
  app.get('/healthz', (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/livez', (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/api', (req, reply) => {
    const agg = wantsAggregated(req);
    if (agg) return send(reply, aggregatedList(true), agg);
    return send(reply, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: serverAddress() }] });
  });
  app.get('/apis', (req, reply) => {
    const agg = wantsAggregated(req);
    if (agg) return send(reply, aggregatedList(false), agg);
    const groups = [...new Set(groupVersions().filter((g) => g.group).map((g) => g.group))];
    return send(reply, {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((name) => {
        const versions = groupVersions()
          .filter((g) => g.group === name)
          .map((g) => ({ groupVersion: `${name}/${g.version}`, version: g.version }));
        return { name, versions, preferredVersion: versions[0] };
      }),
    });
  });
  app.get('/api/v1', (_req, reply) => send(reply, resourceList('', 'v1', groupVersions().find((g) => g.group === '')!.resources)));
  app.get('/apis/:group', (req, reply) => {
    const { group } = req.params as { group: string };
    const versions = groupVersions()
      .filter((g) => g.group === group && group)
      .map((g) => ({ groupVersion: `${group}/${g.version}`, version: g.version }));
    if (!versions.length) return sendJSON(reply, 404, resourceNotFound().status);
    return send(reply, { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] });
  });
  app.get('/apis/:group/:version', (req, reply) => {
    const { group, version } = req.params as { group: string; version: string };
    const gv = groupVersions().find((g) => g.group === group && g.version === version && group);
    if (!gv) return sendJSON(reply, 404, resourceNotFound().status);
    return send(reply, resourceList(group, version, gv.resources));
  });
}


// The API server without kubectl: kube-apiserver's Status for every kind of bad input (the
// server keeps serving), watch semantics (resourceVersion, selectors, bookmarks, 410 after
// compaction), tables, aggregated discovery, and the official JavaScript client.
import { connect } from 'node:net';
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { startHarness, type Harness } from './harness.js';

async function call(h: Harness, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const res = await fetch(h.server.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json()) as Record<string, unknown> };
}

const cm = (name: string, data: Record<string, string> = {}, extra: Record<string, unknown> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data });

const status = (code: number, reason: string, message: string, details?: Record<string, unknown>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });

test('bad input gets kube-apiserver\'s Status, and the server keeps serving', async (t) => {
  const h = await startHarness({ requestTimeoutMs: 1500 });
  t.teardown(() => h.close());
  const cms = '/api/v1/namespaces/default/configmaps';
  const bad = await call(h, 'POST', cms, '{"apiVersion": "v1", kind');
  t.deepEqual([bad.status, bad.json], [400, status(400, 'BadRequest', 'the server could not parse the request body: json parse error: Expected double-quoted property name in JSON at position 21')]);
  const yaml = await call(h, 'POST', cms, 'kind: ConfigMap\n  bad: [', { 'content-type': 'application/yaml' });
  t.is(yaml.status, 400);
  t.regex(String(yaml.json.message), /^the server could not parse the request body: yaml: line 1: Nested mappings are not allowed/);
  const media = await call(h, 'POST', cms, cm('x'), { 'content-type': 'text/plain' });
  t.deepEqual([media.status, media.json.reason], [415, 'UnsupportedMediaType']);
  const unknown = await call(h, 'GET', '/api/v1/widgets');
  t.deepEqual([unknown.status, unknown.json], [404, status(404, 'NotFound', 'the server could not find the requested resource')]);
  const wrongKind = await call(h, 'POST', cms, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }));
  t.deepEqual([wrongKind.status, wrongKind.json.message], [400, 'the API version in the data (v1) does not match the expected API version (v1) or kind (ConfigMap)']);
  const big = await call(h, 'POST', cms, cm('big', { a: 'x'.repeat(3 * 1024 * 1024) }));
  t.deepEqual([big.status, big.json], [413, status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728')]);
  const created = await call(h, 'POST', cms, cm('one', { a: '1' }));
  t.is(created.status, 201);
  const rv = (created.json.metadata as { resourceVersion: string }).resourceVersion;
  const again = await call(h, 'POST', cms, cm('one'));
  t.deepEqual([again.status, again.json], [409, status(409, 'AlreadyExists', 'configmaps "one" already exists', { name: 'one', kind: 'configmaps' })]);
  const updated = await call(h, 'PUT', `${cms}/one`, cm('one', { a: '2' }, { resourceVersion: rv }));
  t.is(updated.status, 200);
  const stale = await call(h, 'PUT', `${cms}/one`, cm('one', { a: '3' }, { resourceVersion: rv }));
  t.deepEqual(
    [stale.status, stale.json],
    [409, status(409, 'Conflict', 'Operation cannot be fulfilled on configmaps "one": the object has been modified; please apply your changes to the latest version and try again', { name: 'one', kind: 'configmaps' })],
  );
  const notNumber = await call(h, 'GET', `${cms}?resourceVersion=abc`);
  t.deepEqual([notNumber.status, notNumber.json.message], [400, 'invalid resourceVersion: "abc": must be a non-negative integer']);
  const field = await call(h, 'GET', '/api/v1/pods?fieldSelector=spec.color=red');
  t.deepEqual([field.status, field.json.message], [400, 'field label not supported: spec.color']);
  const invalid = await call(h, 'POST', cms, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }));
  t.is(invalid.status, 422);
  t.deepEqual((invalid.json.details as { causes: unknown[] }).causes[0], {
    reason: 'FieldValueInvalid',
    message: `Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    field: 'metadata.name',
  });
  const noNs = await call(h, 'POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
  t.deepEqual([noNs.status, noNs.json.message], [404, 'namespaces "nowhere" not found']);
  // A slowloris client: headers promise a body that never comes.
  const answer = await new Promise<string>((resolve) => {
    const s = connect(Number(new URL(h.server.url).port), '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.write(`POST ${cms} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
  });
  t.true(answer.startsWith('HTTP/1.1 408 Request Timeout\r\n'), answer);
  t.deepEqual(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), status(408, 'Timeout', 'request did not complete within the allowed time'));
  const version = await call(h, 'GET', '/version');
  t.is(version.json.gitVersion, 'v1.35.0-knet');
});

/** Reads a watch stream's events until `until` says enough. */
async function watchEvents(h: Harness, path: string, until: (evs: { type: string; object: Record<string, unknown> }[]) => boolean, during?: () => Promise<void>): Promise<{ type: string; object: Record<string, unknown> }[]> {
  const ac = new AbortController();
  const res = await fetch(h.server.url + path, { signal: ac.signal });
  const evs: { type: string; object: Record<string, unknown> }[] = [];
  const reader = res.body!.getReader();
  const started = during?.();
  let buf = '';
  read: while (!until(evs)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      evs.push(JSON.parse(buf.slice(0, nl)) as { type: string; object: Record<string, unknown> });
      buf = buf.slice(nl + 1);
      if (until(evs)) break read;
    }
  }
  ac.abort();
  await started;
  return evs;
}

const summary = (evs: { type: string; object: Record<string, unknown> }[]) =>
  evs.map((e) => `${e.type} ${(e.object.metadata as { name?: string; resourceVersion: string }).name ?? ''} ${JSON.stringify((e.object as { data?: unknown }).data ?? null)}`);

test('watch: from a resourceVersion, in order, with selectors moving objects in and out', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const cms = '/api/v1/namespaces/default/configmaps';
  const list = await call(h, 'GET', cms);
  const rv = (list.json.metadata as { resourceVersion: string }).resourceVersion;
  const evs = await watchEvents(
    h,
    `${cms}?watch=1&resourceVersion=${rv}&labelSelector=team%3Dnet`,
    (e) => e.length >= 4,
    async () => {
      await call(h, 'POST', cms, cm('a', { v: '1' }, { labels: { team: 'net' } }));
      await call(h, 'POST', cms, cm('b', { v: '1' }, { labels: { team: 'db' } }));
      await call(h, 'PATCH', `${cms}/a`, '{"data":{"v":"2"}}', { 'content-type': 'application/merge-patch+json' });
      await call(h, 'PATCH', `${cms}/a`, '{"metadata":{"labels":{"team":"db"}}}', { 'content-type': 'application/merge-patch+json' });
      await call(h, 'PATCH', `${cms}/b`, '{"metadata":{"labels":{"team":"net"}}}', { 'content-type': 'application/merge-patch+json' });
    },
  );
  t.deepEqual(summary(evs), ['ADDED a {"v":"1"}', 'MODIFIED a {"v":"2"}', 'DELETED a {"v":"2"}', 'ADDED b {"v":"1"}']);
  const rvs = evs.map((e) => Number((e.object.metadata as { resourceVersion: string }).resourceVersion));
  t.deepEqual(rvs, [...rvs].sort((a, b) => a - b));
});

test('watch: bookmarks, initial events and 410 Expired after compaction', async (t) => {
  const h = await startHarness({ bookmarkEveryMs: 50 });
  t.teardown(() => h.close());
  const ns = '/api/v1/namespaces';
  const initial = await watchEvents(h, `${ns}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, (e) => e.some((x) => x.type === 'BOOKMARK'));
  t.deepEqual(
    initial.map((e) => `${e.type} ${(e.object.metadata as { name?: string }).name ?? ''}`),
    ['ADDED default', 'ADDED kube-flannel', 'ADDED kube-node-lease', 'ADDED kube-public', 'ADDED kube-system', 'BOOKMARK '],
  );
  t.deepEqual((initial.at(-1)!.object.metadata as { annotations: unknown }).annotations, { 'k8s.io/initial-events-end': 'true' });
  const before = (await call(h, 'GET', ns)).json.metadata as { resourceVersion: string };
  const ticks = await watchEvents(h, `${ns}?watch=1&resourceVersion=${before.resourceVersion}&allowWatchBookmarks=true`, (e) => e.length >= 2);
  t.deepEqual(ticks.map((e) => [e.type, (e.object.metadata as { resourceVersion: string }).resourceVersion]), [['BOOKMARK', before.resourceVersion], ['BOOKMARK', before.resourceVersion]]);
  await call(h, 'POST', '/api/v1/namespaces/default/configmaps', cm('later'));
  await h.server.compact();
  const gone = await watchEvents(h, `${ns}?watch=1&resourceVersion=${before.resourceVersion}`, (e) => e.length >= 1);
  t.deepEqual(gone, [{ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${before.resourceVersion} (${h.server.cache.rv})`) }]);
});

test('tables for kubectl get, aggregated discovery, OpenAPI v3 with fieldValidation', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const table = await call(h, 'GET', '/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dk8s-node1', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  t.deepEqual(
    (table.json.columnDefinitions as { name: string; priority: number }[]).map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1'],
  );
  t.deepEqual(
    (table.json.rows as { cells: string[] }[]).map((r) => r.cells.join(' ')),
    [
      'nginx-6b97fcfcdd-25khw 1/1 Running 0 0s 10.244.1.4 k8s-node1 <none> <none>',
      'nginx-6b97fcfcdd-m6qp9 1/1 Running 0 0s 10.244.1.3 k8s-node1 <none> <none>',
      'pod-a 1/1 Running 0 0s 10.244.1.2 k8s-node1 <none> <none>',
    ],
  );
  const agg = await call(h, 'GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  t.is(agg.type, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  t.deepEqual((agg.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name), ['discovery.k8s.io', 'apps', 'batch', 'coordination.k8s.io']);
  const core = await call(h, 'GET', '/api', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
  const pods = ((core.json.items as { versions: { resources: { resource: string }[] }[] }[])[0]!.versions[0]!.resources as Record<string, unknown>[]).find((r) => r.resource === 'pods');
  t.deepEqual(pods, {
    resource: 'pods',
    responseKind: { group: '', version: 'v1', kind: 'Pod' },
    scope: 'Namespaced',
    singularResource: 'pod',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
    subresources: [{ subresource: 'status', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] }],
  });
  const root = await call(h, 'GET', '/openapi/v3');
  const apps = (root.json.paths as Record<string, { serverRelativeURL: string }>)['apis/apps/v1']!.serverRelativeURL;
  const doc = await call(h, 'GET', apps);
  const patch = (doc.json.paths as Record<string, { patch: { parameters: { name: string }[]; 'x-kubernetes-group-version-kind': unknown } }>)['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!.patch;
  t.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  t.true(patch.parameters.some((p) => p.name === 'fieldValidation'));
});

test('@kubernetes/client-node over TLS with a bearer token: list, create, a 409 on a stale update, the scale subresource, watch', async (t) => {
  const h = await startHarness({}, { secure: true });
  t.teardown(() => h.close());
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(h.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const pods = await core.listNamespacedPod({ namespace: 'kube-system' });
  t.deepEqual(pods.items.map((p) => p.metadata?.name).sort(), ['coredns-754bccc5bf-ndl7t', 'coredns-754bccc5bf-xxvrt', 'kube-proxy-pmzrd', 'kube-proxy-rsrvd', 'kube-proxy-sbh2f']);
  const made = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { mode: 'a' } } });
  await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'settings', body: { ...made, data: { mode: 'b' } } });
  const err = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'settings', body: { ...made, data: { mode: 'c' } } }).catch((e: k8s.ApiException<string>) => e);
  t.true(err instanceof k8s.ApiException);
  t.is((err as k8s.ApiException<string>).code, 409);
  const scale = await apps.readNamespacedDeploymentScale({ namespace: 'default', name: 'nginx' });
  t.deepEqual([scale.spec?.replicas, scale.status?.selector], [3, 'app=nginx']);
  const list = await core.listNamespacedService({ namespace: 'default' });
  const seen: string[] = [];
  const watch = new k8s.Watch(kc);
  const done = new Promise<void>((resolve) => {
    void watch
      .watch('/api/v1/namespaces/default/services', { resourceVersion: list.metadata!.resourceVersion! }, (phase, obj: k8s.V1Service) => {
        seen.push(`${phase} ${obj.metadata?.name} ${obj.spec?.clusterIP ?? ''}`);
        if (seen.length === 2) resolve();
      }, () => {})
      .then((ac) => t.teardown(() => ac.abort()));
  });
  const svc = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'api' }, spec: { selector: { app: 'nginx' }, ports: [{ port: 8080, targetPort: 80 }] } } });
  t.is(svc.spec?.clusterIP, '10.1.0.3');
  await done;
  t.deepEqual(seen, ['ADDED api ', 'MODIFIED api 10.1.0.3']);
});

test('the status subresource: writes to the object keep its status, writes to /status change only the status', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const path = '/api/v1/namespaces/default/services/nginx';
  const svc = (await call(h, 'GET', path)).json;
  const put = await call(h, 'PUT', path, JSON.stringify({ ...svc, metadata: { ...(svc.metadata as object), labels: { tier: 'web' } }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }));
  t.deepEqual([put.status, (put.json.metadata as { labels: unknown }).labels, put.json.status], [200, { tier: 'web' }, svc.status]);
  const patched = await call(h, 'PATCH', `${path}/status`, '{"metadata":{"labels":{"tier":"db"}},"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}', { 'content-type': 'application/merge-patch+json' });
  t.deepEqual([patched.status, (patched.json.metadata as { labels: unknown }).labels, patched.json.status], [200, { tier: 'web' }, { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } }]);
});

// knet serve on a real etcd: kube-apiserver's key layout with resourceVersion = mod revision,
// objects surviving a restart, two servers sharing one cluster (writes, watches, a 409 on a
// stale update), one controller leader by Lease and a hand-over when it stops, 410 after
// compaction.
import test from 'ava';
import { EtcdStorage } from '../../src/server/etcd-storage.js';
import { resourceOfKind } from '../../src/server/resources.js';
import { startHarness, type Harness } from './harness.js';
import { HAVE_ETCD, ETCD, startEtcd } from './etcd.js';

if (!HAVE_ETCD) console.log(`test/server/etcd.test.ts: skipped: ${ETCD} is not installed (Debian's etcd-server)`);
const et = HAVE_ETCD ? test : test.skip;

let n = 0;
function onEtcd(endpoint: string, files: string[] = []): Promise<Harness> {
  return startHarness({ storage: new EtcdStorage(endpoint), files, elect: { identity: `server-${++n}`, leaseDurationMs: 3000, retryMs: 100 } });
}

async function json(h: Harness, method: string, path: string, body?: unknown, type = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(h.server.url + path, { method, headers: { 'content-type': type }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Resolves once `check` holds, re-checking on every change the server's cache sees. */
function until(h: Harness, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const stop = h.server.cache.onBatch(() => {
      if (!check()) return;
      stop();
      resolve();
    });
  });
}

const endpointsOf = (h: Harness) => {
  const eps = h.server.cache.list(resourceOfKind('EndpointSlice')!, 'default').filter((o) => o.metadata.labels?.['kubernetes.io/service-name'] === 'nginx');
  return eps.flatMap((e) => ((e.endpoints ?? []) as { addresses: string[] }[]).map((x) => x.addresses[0]));
};

et('objects live under /registry/ with resourceVersion = etcd mod revision, and survive a restart', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const a = await onEtcd(etcd.endpoint);
  t.teardown(() => a.close());
  await until(a, () => !!a.server.bridge() && endpointsOf(a).length === 3);
  await a.server.bridge()!.idle();
  const res = await etcd.client.get('/registry/deployments/default/nginx').exec();
  const kv = res.kvs[0]!;
  const dep = await json(a, 'GET', '/apis/apps/v1/namespaces/default/deployments/nginx');
  t.is((dep.body.metadata as { resourceVersion: string }).resourceVersion, String(kv.mod_revision));
  t.is(JSON.parse(kv.value.toString()).metadata.resourceVersion, undefined);
  t.truthy((await etcd.client.get('/registry/services/specs/default/nginx').exec()).kvs[0]);
  t.truthy((await etcd.client.get('/registry/minions/k8s-node1').exec()).kvs[0]);
  const scaled = await json(a, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/nginx/scale', { spec: { replicas: 5 } }, 'application/merge-patch+json');
  t.is(scaled.status, 200);
  await until(a, () => endpointsOf(a).length === 5);
  await a.server.bridge()!.idle();
  const before = a.server.cache.all().map((x) => `${x.resource.plural}/${x.object.metadata.namespace ?? ''}/${x.object.metadata.name}@${x.object.metadata.resourceVersion}`).filter((k) => !k.startsWith('leases/')).sort();
  await a.close();
  const b = await onEtcd(etcd.endpoint);
  t.teardown(() => b.close());
  const after = b.server.cache.all().map((x) => `${x.resource.plural}/${x.object.metadata.namespace ?? ''}/${x.object.metadata.name}@${x.object.metadata.resourceVersion}`).filter((k) => !k.startsWith('leases/')).sort();
  t.deepEqual(after, before);
  t.is(endpointsOf(b).length, 5);
});

et('two servers on one etcd: each sees the other\'s writes and watches, a stale update is 409, one leader hands over', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const a = await onEtcd(etcd.endpoint);
  t.teardown(() => a.close());
  await until(a, () => !!a.server.bridge() && endpointsOf(a).length === 3);
  const b = await onEtcd(etcd.endpoint);
  t.teardown(() => b.close());
  t.true(a.server.elector!.leading);
  t.false(b.server.elector!.leading);
  t.is(b.server.bridge(), undefined);
  const made = await json(a, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { v: '1' } });
  const rv = (made.body.metadata as { resourceVersion: string }).resourceVersion;
  await b.server.cache.waitFor(Number(rv));
  const seen = await json(b, 'GET', '/api/v1/namespaces/default/configmaps/shared');
  t.deepEqual(seen.body.data, { v: '1' });
  const first = await json(b, 'PUT', '/api/v1/namespaces/default/configmaps/shared', { ...made.body, data: { v: '2' } });
  t.is(first.status, 200);
  const second = await json(a, 'PUT', '/api/v1/namespaces/default/configmaps/shared', { ...made.body, data: { v: '3' } });
  t.is(second.status, 409);
  t.is(second.body.reason, 'Conflict');
  // Writes through the follower reach the leader's controllers.
  await json(b, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/nginx/scale', { spec: { replicas: 4 } }, 'application/merge-patch+json');
  await until(b, () => endpointsOf(b).length === 4);
  const lease = await json(b, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/knet-controller-manager');
  t.is((lease.body.spec as { holderIdentity: string }).holderIdentity, a.server.elector!.identity);
  await a.close();
  await until(b, () => !!b.server.bridge());
  t.true(b.server.elector!.leading);
  await json(b, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/nginx/scale', { spec: { replicas: 2 } }, 'application/merge-patch+json');
  await until(b, () => endpointsOf(b).length === 2);
  const after = await json(b, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/knet-controller-manager');
  t.is((after.body.spec as { holderIdentity: string; leaseTransitions: number }).holderIdentity, b.server.elector!.identity);
  t.is((after.body.spec as { leaseTransitions: number }).leaseTransitions, 1);
});

et('compaction: a watch from before it gets 410 Expired', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.stop());
  const a = await onEtcd(etcd.endpoint);
  t.teardown(() => a.close());
  // the default namespace exists once the elected controllers have bootstrapped the cluster
  await until(a, () => !!a.server.bridge());
  await a.server.bridge()!.idle();
  const rv = a.server.cache.rv;
  const created = await json(a, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  t.is(created.status, 201, JSON.stringify(created.body));
  // compaction is at the revision the cache has seen: wait until that includes the ConfigMap
  const at = Number((created.body.metadata as { resourceVersion: string }).resourceVersion);
  await until(a, () => a.server.cache.rv >= at);
  await a.server.compact();
  const res = await fetch(`${a.server.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`);
  const text = await res.text();
  const ev = JSON.parse(text.trim()) as { type: string; object: { code: number; reason: string } };
  t.deepEqual([ev.type, ev.object.code, ev.object.reason], ['ERROR', 410, 'Expired']);
  const revs = await etcd.client.get('/registry/configmaps/default/c').exec();
  t.truthy(revs.kvs[0]);
});

// `--server` clients: the Cluster built from a server's objects is the server's, and it follows
// the server's changes (what `knet dns serve --server` answers from).
import test from 'ava';
import { ServerCluster } from '../../src/server/client.js';
import { CorednsInstance } from '../../src/dns/instance.js';
import { knet } from '../helpers/cli.js';
import { startHarness } from './harness.js';

test('a --server cluster follows the server: a new Service gets its ClusterIP and DNS record', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const sc = await ServerCluster.open({ server: h.server.url });
  t.teardown(() => sc.close());
  const local = sc.cluster.store;
  t.is(local.list('Pod').length, h.server.bridge()!.cluster.store.list('Pod').length);
  const dns = new CorednsInstance(sc.cluster);
  const arrived = new Promise<string>((resolve) => {
    local.watch('Service', local.resourceVersion, (ev) => {
      if (ev.object.metadata.name === 'api' && ev.object.spec.clusterIP) resolve(ev.object.spec.clusterIP);
    });
  });
  const res = await fetch(`${h.server.url}/api/v1/namespaces/default/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { selector: { app: 'nginx' }, ports: [{ port: 8080, targetPort: 80 }] } }),
  });
  t.is(res.status, 201);
  t.is(await arrived, '10.1.0.3');
  const answer = await dns.query({ name: 'api.default.svc.cluster.local.', type: 'A' }, { transport: 'local' });
  t.deepEqual('answer' in answer ? answer.answer.map((rr) => rr.data) : answer, ['10.1.0.3']);
  const q = await knet('dns', 'query', '--server', h.server.url, 'api.default.svc.cluster.local', 'A');
  t.regex(q.out, /^api\.default\.svc\.cluster\.local\.\t30\tIN\tA\t10\.1\.0\.3$/m);
});

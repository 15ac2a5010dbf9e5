// kube-proxy's endpoints per Service port: the list is searched by ip:port while short and
// through an index once long; either way the answer is the plain one (de-duplicated by ip:port,
// a local copy winning, sorted by the ip:port text).
import test from 'ava';
import { serviceEndpoints, type Endpoint } from '../../src/agents/kube-proxy/objects.js';
import { SERVICE_NAME_LABEL, type EndpointSlice } from '../../src/api/types.js';

/** The plain reading: a map per port keyed by ip:port. */
function plain(slices: EndpointSlice[], nodeName: string): Map<string, Endpoint[]> {
  const byPort = new Map<string, Map<string, Endpoint>>();
  for (const s of slices) {
    for (const p of s.ports ?? []) {
      const key = `${p.name}/${(p.protocol ?? 'TCP').toLowerCase()}`;
      if (!byPort.has(key)) byPort.set(key, new Map());
      const eps = byPort.get(key)!;
      for (const e of s.endpoints ?? []) {
        const ip = e.addresses[0]!;
        const hostPort = `${ip}:${p.port}`;
        const local = e.nodeName === nodeName;
        const old = eps.get(hostPort);
        if (old && (old.local || !local)) continue;
        eps.set(hostPort, { ip, port: p.port!, hostPort, ready: e.conditions?.ready ?? true, serving: true, terminating: false, local });
      }
    }
  }
  return new Map([...byPort].map(([k, m]) => [k, [...m.values()].sort((a, b) => (a.hostPort < b.hostPort ? -1 : 1))]));
}

test('endpoints per port are the plain reading for short and long lists, duplicates across slices and local copies included', (t) => {
  let seed = 7;
  const rnd = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
  for (const size of [1, 3, 15, 16, 17, 40, 300]) {
    const slices: EndpointSlice[] = [];
    for (let s = 0; s < 3; s++) {
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `web-${s}`, namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'web' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, ...(s === 1 ? [{ name: 'dns', port: 53, protocol: 'UDP' as const }] : [])],
        // addresses drawn from fewer than there are endpoints: many repeat, within and across slices
        endpoints: Array.from({ length: size }, () => ({ addresses: [`10.1.${rnd(3)}.${rnd(Math.min(size, 250))}`], nodeName: `node-${rnd(4)}`, conditions: { ready: rnd(5) > 0 } })),
      });
    }
    const got = serviceEndpoints(slices, 4, 'node-1');
    t.deepEqual(got, plain(slices, 'node-1'), `${size} endpoints a slice`);
    if (size >= 15) t.true([...got.values()].some((eps) => eps.some((e) => e.local)), "some local copy met");
  }
});

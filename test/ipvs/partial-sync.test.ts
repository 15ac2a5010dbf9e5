// The IPVS proxier's partial syncs (only what the changed Services' plans change) leave the
// kernel byte for byte as kube-proxy's sync of every Service against the kernel does: one
// proxier syncs as it does, a second on its own kernel is made to compare everything on every
// sync (someone else's change, undone, moved its kernel's change counters), and after each step
// both kernels print the same ipset save, ipvsadm -Sn, real server lists in kernel order,
// kube-ipvs0 addresses, local routes and iptables rules.
import test from 'ava';
import { KubeProxyIpvs } from '../../src/agents/kube-proxy/ipvs/agent.js';
import { Store } from '../../src/api/store.js';
import type { EndpointSlice, Service } from '../../src/api/types.js';
import { formatSave as ipsetSave } from '../../src/kernel/ipset/format.js';
import { formatSave as ipvsadmSave } from '../../src/kernel/ipvs/format.js';
import { formatSave as iptablesSave } from '../../src/kernel/netfilter/save.js';
import { NodeKernel } from '../../src/kernel/node.js';
import { RT_TABLE_LOCAL } from '../../src/kernel/route.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../../src/topology/config.js';

const node: ClusterNode = { name: 'node1', ip: '192.168.0.2', roles: [], interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.2/24'] }, kernel: defaultKernel(), labels: {} };
const config = { ...defaultKubeProxyConfig('10.0.0.0/8'), mode: 'ipvs' as const };

function service(name: string, spec: Service['spec'], status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec, ...(status ? { status } : {}) };
}

function slice(svc: string, ips: string[], ports: { name: string; port: number; protocol: 'TCP' | 'UDP' | 'SCTP' }[], local: string[] = []): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-1`, namespace: 'ns', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, ...(local.includes(ip) ? { nodeName: 'node1' } : { nodeName: 'node2' }) })),
    ports,
  };
}

function kernelFor(): NodeKernel {
  const k = new NodeKernel('node1');
  k.root.addLink({ kind: 'ether', name: 'eth0', mac: '02:00:00:00:00:02', mtu: 1500, up: true, qdisc: 'fq_codel' });
  k.root.addAddress({ family: 4, dev: 'eth0', address: '192.168.0.2', prefix: 24, scope: 'global' });
  k.root.addAddress({ family: 6, dev: 'eth0', address: 'fd00::2', prefix: 64, scope: 'global' });
  return k;
}

/** Makes a proxier on `k` compare everything on its next sync: someone else's ipset change, undone. */
function nudge(k: NodeKernel, set: string, entry: string): void {
  if (!k.ipsets.get(set)) return;
  k.ipsets.add(set, entry);
  k.ipsets.del(set, entry);
}

function dump(proxy: KubeProxyIpvs, k: NodeKernel): string {
  const dests = k.ipvs.services().map((s) => `${s.proto} ${s.addr}:${s.port} ${s.scheduler} ${s.flags} ${s.timeout}: ${s.dests.map((d) => `${d.addr}:${d.port}/${d.weight}`).join(' ')}`);
  const addrs = k.root.addressesOf('kube-ipvs0').map((a) => `${a.address}/${a.prefix}`);
  const local = [4, 6].flatMap((f) => k.root.routes(RT_TABLE_LOCAL, f as 4 | 6).map((r) => `${r.type} ${r.dst}/${r.prefix} ${r.dev} ${r.src ?? ''}`));
  return [ipsetSave(k.ipsets), ipvsadmSave(k.ipvs), dests.join('\n'), addrs.join(' '), local.join('\n'), iptablesSave(proxy.kernel)].join('\n----\n');
}

test('partial syncs leave the kernel as syncing every Service does, step by step', (t) => {
  const store = new Store();
  const tcp = (name: string, port: number) => ({ name, port, protocol: 'TCP' as const });
  store.create(service('a', { type: 'ClusterIP', clusterIP: '10.96.0.10', externalIPs: ['203.0.113.5'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  store.create(slice('a', ['10.1.0.1', '10.1.0.2', '10.1.0.3'], [tcp('http', 8080)], ['10.1.0.2']));
  store.create(service('b', { type: 'ClusterIP', clusterIP: '10.96.0.11', externalIPs: ['203.0.113.5'], ports: [{ name: 'http', port: 81, protocol: 'TCP' }] }));
  store.create(slice('b', ['10.1.1.1'], [tcp('http', 8081)]));
  store.create(
    service('c', {
      type: 'NodePort',
      clusterIP: '10.96.0.12',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
        { name: 'sig', port: 9999, protocol: 'SCTP', nodePort: 30999 },
      ],
    }),
  );
  store.create(slice('c', ['10.1.2.1', '10.1.2.2'], [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'sig', port: 9999, protocol: 'SCTP' }], ['10.1.2.1']));
  store.create(
    service(
      'd',
      { type: 'LoadBalancer', clusterIP: '10.96.0.13', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, loadBalancerSourceRanges: ['10.0.0.0/8'], ports: [{ name: 'https', port: 443, protocol: 'TCP', nodePort: 30443 }] },
      { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } },
    ),
  );
  store.create(slice('d', ['10.1.3.1', '10.1.3.2'], [tcp('https', 8443)], ['10.1.3.2']));
  store.create(service('e', { type: 'ClusterIP', clusterIP: '10.96.0.14', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  store.create(slice('e', ['10.1.4.1', '10.1.4.2'], [tcp('http', 8080)]));

  const ka = kernelFor();
  const kb = kernelFor();
  const partial = new KubeProxyIpvs(store, node, config, 4, ka);
  const full = new KubeProxyIpvs(store, node, config, 4, kb);
  const sync = (step: string): void => {
    partial.sync();
    nudge(kb, 'KUBE-CLUSTER-IP', '10.255.255.254,tcp:1');
    full.sync();
    t.is(dump(partial, ka), dump(full, kb), step);
  };
  const update = <T extends Service | EndpointSlice>(obj: T): void => {
    const old = store.get(obj.kind as 'Service', 'ns', obj.metadata.name)!;
    store.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } });
  };

  sync('first sync');
  t.true(ka.ipvs.services().length > 6, 'the cluster has its virtual servers');
  update(slice('a', ['10.1.0.2', '10.1.0.4', '10.1.0.3'], [tcp('http', 8080)], ['10.1.0.2', '10.1.0.4']));
  sync('endpoints added and removed');
  store.delete('Service', 'ns', 'b');
  sync('a Service gone; its external IP still bound for another');
  store.create(service('f', { type: 'ClusterIP', clusterIP: '10.96.0.15', externalIPs: ['203.0.113.5'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
  store.create(slice('f', ['10.1.5.1'], [tcp('http', 9090)]));
  sync('a virtual server two Services want');
  store.delete('Service', 'ns', 'f');
  update(service('d', { ...store.get('Service', 'ns', 'd')!.spec, loadBalancerSourceRanges: ['192.168.0.0/16'] }, store.get('Service', 'ns', 'd')!.status));
  sync('wanted by one again; the node may reach the LB VIP now');

  // graceful termination: a real server with a connection is quiesced, and goes once it drained
  const vs = ka.ipvs.service('TCP', '10.96.0.14', 80)!;
  const vsb = kb.ipvs.service('TCP', '10.96.0.14', 80)!;
  for (const [k, v] of [[ka, vs], [kb, vsb]] as const) k.ipvs.connect(v, v.dests.find((d) => d.addr === '10.1.4.1')!, { src: '10.2.0.9', sport: 40000, state: 'ESTABLISHED' }, 0);
  update(slice('e', ['10.1.4.2'], [tcp('http', 8080)]));
  sync('a busy real server removed: weight 0');
  t.is(vs.dests.find((d) => d.addr === '10.1.4.1')?.weight, 0);
  for (const k of [ka, kb]) k.ipvs.conns.expire(3_600_000);
  sync('its connections ended: deleted on the next sync');
  t.false(vs.dests.some((d) => d.addr === '10.1.4.1'));

  for (const k of [ka, kb]) {
    k.ipsets.add('KUBE-CLUSTER-IP', '10.9.9.9,tcp:9');
    k.ipvs.delService('TCP', '10.96.0.10', 80);
  }
  sync("someone else's ipset entry and a deleted virtual server: put right");
  for (const k of [ka, kb]) k.root.addAddress({ family: 4, dev: 'eth0', address: '192.168.0.3', prefix: 24, scope: 'global' });
  sync('a new node address: NodePorts on it too');
  t.truthy(ka.ipvs.service('TCP', '192.168.0.3', 30443));
  t.false(ka.ipsets.has('KUBE-CLUSTER-IP', '10.9.9.9,tcp:9'));
  partial.stop();
  full.stop();
});

test('dual stack: the IPv4 and IPv6 proxiers share the kernel, and one family\'s partial syncs are not disturbed by the other\'s writes', (t) => {
  const store = new Store();
  const v6 = (name: string, ips: string[], local: string[] = []): EndpointSlice => ({ ...slice(name, [], [{ name: 'http', port: 8080, protocol: 'TCP' }]), metadata: { name: `${name}-6`, namespace: 'ns', labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv6', endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: local.includes(ip) ? 'node1' : 'node2' })) });
  const both = (name: string, n: number): Service => service(name, { type: 'NodePort', clusterIP: `10.96.1.${n}`, clusterIPs: [`10.96.1.${n}`, `fd00:96::${n}`], ipFamilies: ['IPv4', 'IPv6'], ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30000 + n }] });
  for (const n of [1, 2, 3]) {
    store.create(both(`s${n}`, n));
    store.create(slice(`s${n}`, [`10.2.${n}.1`, `10.2.${n}.2`], [{ name: 'http', port: 8080, protocol: 'TCP' }], [`10.2.${n}.1`]));
    store.create(v6(`s${n}`, [`fd00:2:${n}::1`, `fd00:2:${n}::2`], [`fd00:2:${n}::2`]));
  }
  const v6config = { ...config, clusterCIDR: '10.0.0.0/8,fd00::/48' };
  const ka = kernelFor();
  const kb = kernelFor();
  const proxies = (k: NodeKernel) => [new KubeProxyIpvs(store, node, v6config, 4, k), new KubeProxyIpvs(store, node, v6config, 6, k)];
  const pa = proxies(ka);
  const pb = proxies(kb);
  const sync = (step: string): void => {
    for (const p of pa) p.sync();
    nudge(kb, 'KUBE-CLUSTER-IP', '10.255.255.254,tcp:1');
    nudge(kb, 'KUBE-6-CLUSTER-IP', 'fd00:ffff::1,tcp:1');
    for (const p of pb) p.sync();
    t.is(pa.map((p) => dump(p, ka)).join('\n====\n'), pb.map((p) => dump(p, kb)).join('\n====\n'), step);
  };
  sync('first sync of both families');
  t.truthy(ka.ipvs.service('TCP', 'fd00:96::2', 80));
  const old = store.get('EndpointSlice', 'ns', 's2-6')!;
  store.update({ ...v6('s2', ['fd00:2:2::3', 'fd00:2:2::2'], ['fd00:2:2::2', 'fd00:2:2::3']), metadata: { ...old.metadata } });
  // a sync that compares everything re-declares every set (ipset create -exist); a partial one does not
  let creates = 0;
  const create = ka.ipsets.create.bind(ka.ipsets);
  ka.ipsets.create = (...args) => (creates++, create(...args));
  sync('IPv6 endpoints changed');
  t.is(creates, 0, 'both proxiers synced partially');
  store.delete('Service', 'ns', 's1');
  sync('a dual-stack Service gone');
  t.falsy(ka.ipvs.service('TCP', 'fd00:96::1', 80));
  for (const p of [...pa, ...pb]) p.stop();
});

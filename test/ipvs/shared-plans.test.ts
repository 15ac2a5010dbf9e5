// Per-Service plans shared between nodes: a node whose proxier sees the same Service view as
// another's reuses that node's plan when the plan depends on nothing of the node, and leaves its
// kernel exactly as a proxier computing every plan itself does; plans that depend on the node's
// addresses (NodePort, external and LB addresses) are that node's own.
import test from 'ava';
import { KubeProxyIpvs } from '../../src/agents/kube-proxy/ipvs/agent.js';
import { planFor, servicePlan, type NodeAddresses } from '../../src/agents/kube-proxy/ipvs/proxier.js';
import { portKey, type Endpoint, type ServicePort, type ServiceState } from '../../src/agents/kube-proxy/objects.js';
import { proxierSettings } from '../../src/agents/kube-proxy/settings.js';
import { Store } from '../../src/api/store.js';
import type { EndpointSlice, Service } from '../../src/api/types.js';
import { formatSave as ipsetSave } from '../../src/kernel/ipset/format.js';
import { formatList } from '../../src/kernel/ipvs/format.js';
import { formatSave as iptablesSave } from '../../src/kernel/netfilter/save.js';
import { NodeKernel } from '../../src/kernel/node.js';
import { RT_TABLE_LOCAL } from '../../src/kernel/route.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../../src/topology/config.js';

const config = { ...defaultKubeProxyConfig('10.0.0.0/8'), mode: 'ipvs' as const };
const nodeOf = (name: string, ip: string): ClusterNode => ({ name, ip, roles: [], interfaces: { lo: ['127.0.0.1/8'], eth0: [`${ip}/24`] }, kernel: defaultKernel(), labels: {} });

function port(over: Partial<ServicePort>): ServicePort {
  return {
    service: 'ns/a', spn: 'ns/a:http', portName: 'http', protocol: 'tcp', clusterIP: '10.96.0.10', port: 80, nodePort: 0, externalIPs: [], loadBalancerVIPs: [],
    loadBalancerSourceRanges: [], externalPolicyLocal: false, internalPolicyLocal: false, healthCheckNodePort: 0, affinitySeconds: 0,
    externallyAccessible: false, usesClusterEndpoints: true, usesLocalEndpoints: false, ...over,
  };
}

function state(sp: ServicePort): ServiceState {
  const ep = (ip: string): Endpoint => ({ ip, port: 8080, hostPort: `${ip}:8080`, ready: true, serving: true, terminating: false, local: false });
  return { ports: [sp], endpoints: new Map([[portKey(sp.portName, sp.protocol), [ep('10.1.0.1'), ep('10.1.0.2')]]]) };
}

test('planFor: one plan for every node when it depends on nothing of the node, the node\'s own otherwise, each as servicePlan makes it', (t) => {
  const s = proxierSettings(nodeOf('node1', '192.168.0.2'), config, 4);
  const rr = { scheduler: '', excludeCIDRs: [], strictARP: false };
  const n1: NodeAddresses = { nodePortIPs: ['192.168.0.2'], local: new Set(['192.168.0.2']) };
  const n2: NodeAddresses = { nodePortIPs: ['192.168.0.3'], local: new Set(['192.168.0.3', '203.0.113.5']) };
  const plain = state(port({}));
  t.is(planFor(s, rr, plain, n1), planFor(s, rr, plain, n2), 'shared');
  t.deepEqual(planFor(s, rr, plain, n2), servicePlan(s, rr, plain, n2));
  const wrr = { ...rr, scheduler: 'wrr' };
  t.deepEqual(planFor(s, wrr, plain, n1), servicePlan(s, wrr, plain, n1), 'another scheduler: another plan');
  t.is(planFor(s, wrr, plain, n1).services[0]!.scheduler, 'wrr');
  for (const over of [{ nodePort: 30080 }, { externalIPs: ['203.0.113.5'] }, { loadBalancerVIPs: ['203.0.113.5'], loadBalancerSourceRanges: ['192.168.0.0/24'] }]) {
    const st = state(port(over));
    const p1 = planFor(s, rr, st, n1);
    const p2 = planFor(s, rr, st, n2);
    t.deepEqual(p1, servicePlan(s, rr, st, n1), JSON.stringify(over));
    t.deepEqual(p2, servicePlan(s, rr, st, n2), JSON.stringify(over));
    t.notDeepEqual(p1, p2, `${JSON.stringify(over)}: the node's own`);
  }
});

function service(name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec };
}

function slice(svc: string, eps: [string, string][]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-1`, namespace: 'ns', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: eps.map(([ip, nodeName]) => ({ addresses: [ip], conditions: { ready: true }, nodeName })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function storeOf(): Store {
  const store = new Store();
  const http = [{ name: 'http', port: 80, protocol: 'TCP' as const }];
  store.create(service('a', { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: http }));
  store.create(slice('a', [['10.1.0.1', 'node3'], ['10.1.0.2', 'node3']]));
  store.create(service('b', { type: 'ClusterIP', clusterIP: '10.96.0.11', ports: http }));
  store.create(slice('b', [['10.1.1.1', 'node2'], ['10.1.1.2', 'node3']]));
  store.create(service('c', { type: 'NodePort', clusterIP: '10.96.0.12', ports: [{ ...http[0]!, nodePort: 30080 }] }));
  store.create(slice('c', [['10.1.2.1', 'node3']]));
  store.create(service('d', { type: 'ClusterIP', clusterIP: '10.96.0.13', externalIPs: ['192.168.0.2'], ports: http }));
  store.create(slice('d', [['10.1.3.1', 'node3']]));
  return store;
}

function kernelFor(n: ClusterNode): NodeKernel {
  const k = new NodeKernel(n.name);
  k.root.addLink({ kind: 'ether', name: 'eth0', mac: '02:00:00:00:00:02', mtu: 1500, up: true, qdisc: 'fq_codel' });
  k.root.addAddress({ family: 4, dev: 'eth0', address: n.ip, prefix: 24, scope: 'global' });
  return k;
}

function dump(proxy: KubeProxyIpvs, k: NodeKernel): string {
  const addrs = k.root.addressesOf('kube-ipvs0').map((a) => `${a.address}/${a.prefix}`);
  const local = k.root.routes(RT_TABLE_LOCAL, 4).map((r) => `${r.type} ${r.dst}/${r.prefix} ${r.dev} ${r.src ?? ''}`);
  return [ipsetSave(k.ipsets), formatList(k.ipvs), addrs.join(' '), local.join('\n'), iptablesSave(proxy.kernel)].join('\n----\n');
}

test('a node that reuses another node\'s plans leaves its kernel as one computing its own plans does', (t) => {
  const [n1, n2] = [nodeOf('node1', '192.168.0.2'), nodeOf('node2', '192.168.0.3')];
  const shared = storeOf();
  const first = new KubeProxyIpvs(shared, n1, config, 4, kernelFor(n1));
  first.sync();
  const k2 = kernelFor(n2);
  const second = new KubeProxyIpvs(shared, n2, config, 4, k2);
  second.sync();
  // a store of its own: views (and plans) of its own
  const ka = kernelFor(n2);
  const alone = new KubeProxyIpvs(storeOf(), n2, config, 4, ka);
  alone.sync();
  t.is(dump(second, k2), dump(alone, ka));
  t.regex(formatList(k2.ipvs), /192\.168\.0\.3:30080/, 'its own NodePort address');
  t.regex(ipsetSave(k2.ipsets), /add KUBE-LOOP-BACK 10\.1\.1\.1,tcp:8080,10\.1\.1\.1/, 'its own local endpoint');
  t.regex(dump(second, k2), /192\.168\.0\.2\/32/, 'the external IP that is node1\'s address is bound on node2');
  for (const p of [first, second, alone]) p.stop();
});

test('nodes starting from the shared sync stay as nodes computing alone through changes, kernels changed under them and shared virtual servers', (t) => {
  const nodes = [nodeOf('node1', '192.168.0.2'), nodeOf('node2', '192.168.0.3'), nodeOf('node3', '192.168.0.4')];
  const shared = storeOf();
  const http = [{ name: 'http', port: 80, protocol: 'TCP' as const }];
  // e and f want one virtual server (the same external address and port): only a reset keeps its owners' order
  for (const s of [shared]) {
    s.create(service('e', { type: 'ClusterIP', clusterIP: '10.96.0.14', externalIPs: ['203.0.113.9'], ports: http }));
    s.create(slice('e', [['10.1.4.1', 'node2']]));
    s.create(service('f', { type: 'ClusterIP', clusterIP: '10.96.0.15', ports: http }));
    s.create(slice('f', [['10.1.5.1', 'node1']]));
  }
  const proxies = nodes.map((n) => {
    const k = kernelFor(n);
    // node3's kernel holds a set entry and a kube-ipvs0 address someone else wrote
    if (n.name === 'node3') {
      k.ipsets.create('KUBE-CLUSTER-IP', 'hash:ip,port', { family: 4, hashsize: 1024, maxelem: 65536 });
      k.ipsets.add('KUBE-CLUSTER-IP', '10.96.9.9,tcp:80');
    }
    return { k, p: new KubeProxyIpvs(shared, n, config, 4, k) };
  });
  const alone = nodes.map((n) => {
    const k = kernelFor(n);
    if (n.name === 'node3') {
      k.ipsets.create('KUBE-CLUSTER-IP', 'hash:ip,port', { family: 4, hashsize: 1024, maxelem: 65536 });
      k.ipsets.add('KUBE-CLUSTER-IP', '10.96.9.9,tcp:80');
    }
    const s = storeOf();
    s.create(service('e', { type: 'ClusterIP', clusterIP: '10.96.0.14', externalIPs: ['203.0.113.9'], ports: http }));
    s.create(slice('e', [['10.1.4.1', 'node2']]));
    s.create(service('f', { type: 'ClusterIP', clusterIP: '10.96.0.15', ports: http }));
    s.create(slice('f', [['10.1.5.1', 'node1']]));
    return { k, p: new KubeProxyIpvs(s, n, config, 4, k), s };
  });
  const same = (what: string): void => {
    for (let i = 0; i < nodes.length; i++) t.is(dump(proxies[i]!.p, proxies[i]!.k), dump(alone[i]!.p, alone[i]!.k), `${nodes[i]!.name}: ${what}`);
  };
  for (const x of [...proxies, ...alone]) x.p.sync();
  same('first sync');
  // f now wants e's external address too: one virtual server, two Services
  for (const s of [shared, ...alone.map((a) => a.s)]) {
    const f = s.get('Service', 'ns', 'f')!;
    s.update({ ...f, spec: { ...f.spec, externalIPs: ['203.0.113.9'] } });
    const b = s.get('EndpointSlice', 'ns', 'b-1')!;
    s.update({ ...slice('b', [['10.1.1.3', 'node1'], ['10.1.1.2', 'node3']]), metadata: { ...slice('b', []).metadata, resourceVersion: b.metadata.resourceVersion } });
  }
  for (const x of [...proxies, ...alone]) x.p.sync();
  same('after changes');
  // someone deletes a kube-ipvs0 address: the next sync compares everything again
  for (const x of [proxies[1]!, alone[1]!]) x.k.root.deleteAddress('kube-ipvs0', '10.96.0.10');
  for (const x of [...proxies, ...alone]) x.p.sync();
  same('after an address was deleted under node2');
  // a node starting now: the shared sync is the first node's (its Services the same), its plans differ in the changed ones
  const late = nodeOf('node4', '192.168.0.5');
  const kl = kernelFor(late);
  const pl = new KubeProxyIpvs(shared, late, config, 4, kl);
  pl.sync();
  const s4 = storeOf();
  s4.create(service('e', { type: 'ClusterIP', clusterIP: '10.96.0.14', externalIPs: ['203.0.113.9'], ports: http }));
  s4.create(slice('e', [['10.1.4.1', 'node2']]));
  s4.create(service('f', { type: 'ClusterIP', clusterIP: '10.96.0.15', externalIPs: ['203.0.113.9'], ports: http }));
  s4.create(slice('f', [['10.1.5.1', 'node1']]));
  const b4 = s4.get('EndpointSlice', 'ns', 'b-1')!;
  s4.update({ ...slice('b', [['10.1.1.3', 'node1'], ['10.1.1.2', 'node3']]), metadata: { ...slice('b', []).metadata, resourceVersion: b4.metadata.resourceVersion } });
  const k4 = kernelFor(late);
  const a4 = new KubeProxyIpvs(s4, late, config, 4, k4);
  a4.sync();
  t.is(dump(pl, kl), dump(a4, k4), 'a node starting late');
  t.regex(formatList(kl.ipvs), /203\.0\.113\.9:80/);
  for (const x of [...proxies, ...alone, { p: pl }, { p: a4 }]) x.p.stop();
});

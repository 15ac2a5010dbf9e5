// The CNI portmap plugin: a pod's hostPorts become nat rules on its node (chains, order, comments
// and chain-name hashing as the plugin writes them), a DEL removes its chain, and a packet to
// NODE:hostPort reaches the pod.
import test from 'ava';
import { Cluster } from '../../src/cluster/cluster.js';
import { Dataplane } from '../../src/dataplane/dataplane.js';
import { containerID } from '../../src/agents/cni/names.js';
import { dnatChainName, portmapConf, portmapIptablesRules, type PortMapEntry } from '../../src/agents/cni/portmap.js';
import { readTopology } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const FILES = ['topologies/kubeadm-3node.yaml', 'test/fixtures/manifests/hostport.yaml'];

test('the per-container chain is CNI-DN- and the SHA-512 of network name + container id, 28 characters', (t) => {
  t.is(dnatChainName('cbr0', 'abc'), 'CNI-DN-64e75f641d11615844d68');
  t.is(dnatChainName('cbr0', 'abc').length, 28);
});

test('rules for one container: multiport jumps per protocol, 15 ports at most each; hostIP narrows the match', (t) => {
  const entries: PortMapEntry[] = Array.from({ length: 16 }, (_, i) => ({ hostPort: 9000 + i, containerPort: 80 + i, protocol: 'tcp' as const, hostIP: '' }));
  entries.push({ hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '192.168.2.101' });
  const lines = portmapIptablesRules([{ netName: 'cbr0', containerID: 'abc', ip: '10.244.1.9', network: '10.244.1.9/24', entries }], portmapConf({}));
  const dnat = lines.nat.filter((l) => l.startsWith('-A CNI-HOSTPORT-DNAT'));
  t.deepEqual(dnat, [
    `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"abc\\"" -m multiport --dports ${entries.slice(0, 15).map((e) => e.hostPort).join(',')} -j CNI-DN-64e75f641d11615844d68`,
    '-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"abc\\"" -m multiport --dports 9015 -j CNI-DN-64e75f641d11615844d68',
    '-A CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \\"cbr0\\" id: \\"abc\\"" -m multiport --dports 53 -j CNI-DN-64e75f641d11615844d68',
  ]);
  t.deepEqual(lines.nat.filter((l) => l.includes('--dport 53 ')), [
    '-A CNI-DN-64e75f641d11615844d68 -s 10.244.1.0/24 -d 192.168.2.101/32 -p udp -m udp --dport 53 -j CNI-HOSTPORT-SETMARK',
    '-A CNI-DN-64e75f641d11615844d68 -s 127.0.0.1/32 -d 192.168.2.101/32 -p udp -m udp --dport 53 -j CNI-HOSTPORT-SETMARK',
    '-A CNI-DN-64e75f641d11615844d68 -d 192.168.2.101/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.1.9:53',
  ]);
  const noSnat = portmapIptablesRules([{ netName: 'cbr0', containerID: 'abc', ip: '10.244.1.9', network: '10.244.1.9/24', entries: entries.slice(0, 1) }], portmapConf({ snat: false }));
  t.deepEqual(noSnat.nat.filter((l) => l.startsWith('-A CNI-DN')), ['-A CNI-DN-64e75f641d11615844d68 -p tcp -m tcp --dport 9000 -j DNAT --to-destination 10.244.1.9:80']);
  t.deepEqual(portmapIptablesRules([], portmapConf({})), { nat: [], filter: [] });
});

test('hostPort pods: the node\'s nat table beside kube-proxy\'s and flannel\'s, and a trace to NODE:hostPort', async (t) => {
  const f = FILES.flatMap((x) => ['-f', x]);
  let out = '';
  for (const args of [
    ['rules', 'iptables', '--node', 'k8s-node1', '--all', '--table', 'nat'],
    ['rules', 'iptables', '--node', 'k8s-master', '--all', '--table', 'nat'],
    ['trace', 'ext/laptop', '192.168.2.102:5353', '--proto', 'udp'],
  ]) {
    const r = await knet(...args, ...f);
    t.is(r.code, 0, r.err);
    out += `$ knet ${args.join(' ')}\n${r.out}\n`;
  }
  t.is(out, golden('agents/portmap-hostport.txt', out));
  t.false(out.split('$ knet rules iptables --node k8s-master')[1]!.split('$ knet trace')[0]!.includes('CNI-'), 'a node without hostPort pods has no portmap chains');
});

test('a DEL removes the pod\'s CNI-DN chain and jump; the shared chains stay', (t) => {
  const cluster = new Cluster(readTopology(FILES));
  const dp = Dataplane.of(cluster);
  const before = dp.ruleset('k8s-node2').tables.get('nat')!;
  const dn = [...before.chains.keys()].filter((c) => c.startsWith('CNI-DN-'));
  t.is(dn.length, 2);
  const pod = cluster.store.list('Pod', { namespace: 'default' }).find((p) => p.metadata.name.startsWith('edge-') && p.spec.nodeName === 'k8s-node2')!;
  cluster.store.delete('Pod', 'default', pod.metadata.name);
  cluster.settle();
  const after = dp.ruleset('k8s-node2').tables.get('nat')!;
  const left = [...after.chains.keys()].filter((c) => c.startsWith('CNI-'));
  // The ReplicaSet's replacement (or the pod that was Pending) took the freed port: its chain replaces the old one.
  t.is(left.filter((c) => c.startsWith('CNI-DN-')).length, 2);
  t.true(left.includes('CNI-HOSTPORT-DNAT') && left.includes('CNI-HOSTPORT-SETMARK') && left.includes('CNI-HOSTPORT-MASQ'));
  const jumps = after.chain('CNI-HOSTPORT-DNAT')!.rules.map((r) => r.saveText.split('-j ')[1]);
  t.deepEqual([...new Set(jumps)].sort(), left.filter((c) => c.startsWith('CNI-DN-')).sort());
  const gone = dnatChainName('cbr0', containerID(`default/${pod.metadata.name}`));
  t.true(dn.includes(gone));
  t.false(left.includes(gone));
});

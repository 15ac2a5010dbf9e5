// The flannel plugin's delegate config is built once per subnet.env and conflist, not per pod:
// a pod added after the conflist changed must still get the new config, and a pod added before
// keeps the config it was set up with (DEL replays the saved one).
import test from 'ava';
import { FLANNEL_CNI_DATA_DIR } from '../../src/agents/cni/agent.js';
import { delegateConfig, readConflist } from '../../src/agents/cni/flannel-plugin.js';
import { SUBNET_ENV_PATH, parseSubnetEnv } from '../../src/agents/flannel/subnet-env.js';
import { startNodeAgents } from '../../src/agents/node-agents.js';
import { loadCluster } from '../../src/cluster/cluster.js';

test('a pod added after the conflist changed is set up with the new delegate config, an earlier one keeps its own', (t) => {
  const cluster = loadCluster();
  const nodes = startNodeAgents(cluster);
  const node = nodes.get('k8s-node2')!;
  const pod = (name: string) => {
    cluster.store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'k8s-node2', containers: [{ name: 'c' }] } });
    cluster.settle();
    return node.pod(`default/${name}`)!;
  };
  const saved = (id: string) => JSON.parse(node.files.get(`${FLANNEL_CNI_DATA_DIR}/${id}`)!) as { hairpinMode?: boolean; mtu: number };
  const before = pod('before');
  t.true(saved(before.containerID).hairpinMode);
  t.true(node.root.mustLink(before.hostVeth).hairpin);

  const cm = cluster.store.get('ConfigMap', 'kube-flannel', 'kube-flannel-cfg')!;
  const conflist = JSON.parse(cm.data!['cni-conf.json']!) as { plugins: { delegate: Record<string, unknown> }[] };
  conflist.plugins[0]!.delegate = { ...conflist.plugins[0]!.delegate, hairpinMode: false, mtu: 1400 };
  cluster.store.update({ ...cm, data: { ...cm.data, 'cni-conf.json': JSON.stringify(conflist) } });
  const after = pod('after');
  const want = delegateConfig(readConflist(cluster.store), parseSubnetEnv(node.files.get(SUBNET_ENV_PATH)!));
  t.deepEqual(saved(after.containerID), JSON.parse(JSON.stringify(want)));
  t.is(saved(after.containerID).mtu, 1400);
  t.false(node.root.mustLink(after.hostVeth).hairpin);
  t.is(after.netns.mustLink('eth0').mtu, 1400);
  // the earlier pod keeps its config; its DEL gives its address back
  t.true(saved(before.containerID).hairpinMode);
  const ip = before.netns.addressesOf('eth0', 4)[0]!.address;
  t.truthy(node.files.get(`/var/lib/cni/networks/cbr0/${ip}`));
  cluster.store.delete('Pod', 'default', 'before');
  t.is(node.files.get(`/var/lib/cni/networks/cbr0/${ip}`), undefined);
  t.is(node.pod('default/before'), undefined);
});

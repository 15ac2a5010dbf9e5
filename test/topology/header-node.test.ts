import test from 'ava';
import { headerNode } from '../../src/topology/config.js';
import { readTopologyText } from '../../src/topology/load.js';

test('headerNode answers as a scan of the header nodes does', (t) => {
  const topo = readTopologyText(`apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  nodes:
    - {name: cp, ip: 192.168.0.1, roles: [control-plane]}
    - {name: w1, ip: 192.168.0.2}
    - {name: w2, ip: 192.168.0.3}
`);
  for (const name of ['cp', 'w1', 'w2', 'w3', '']) {
    t.is(headerNode(topo.header, name), topo.header.nodes.find((n) => n.name === name));
  }
});

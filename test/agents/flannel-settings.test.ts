// flanneld's flags are read from the kube-flannel DaemonSet once per DaemonSet change, not per node.
import test from 'ava';
import type { DaemonSet } from '../../src/api/types.js';
import { flannelSettings } from '../../src/agents/flannel/settings.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { readTopologyText } from '../../src/topology/load.js';

const flannelDs = (args: string[]): DaemonSet => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'kube-flannel-ds', namespace: 'kube-flannel' },
  spec: {
    selector: { matchLabels: { app: 'flannel' } },
    template: { metadata: { labels: { app: 'flannel' } }, spec: { containers: [{ name: 'kube-flannel', image: 'ghcr.io/flannel-io/flannel:v0.26.1', command: ['/opt/bin/flanneld'], args }] } },
  },
});

test('flannelSettings follows a DaemonSet change', (t) => {
  const c = new Cluster(
    readTopologyText(`apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  nodes:
    - {name: cp, ip: 192.168.0.1, roles: [control-plane]}
`),
  );
  t.true(flannelSettings(c).ipMasq, 'the manifest args without a DaemonSet');
  c.applyChanges({ where: 'step 1', apply: [flannelDs(['--kube-subnet-mgr'])], delete: [], waitMs: 0 });
  t.false(flannelSettings(c).ipMasq);
  t.is(flannelSettings(c), flannelSettings(c), 'read once while nothing changes');
  c.applyChanges({ where: 'step 2', apply: [flannelDs(['--ip-masq', '--kube-subnet-mgr', '--iptables-forward-rules=false'])], delete: [], waitMs: 0 });
  t.true(flannelSettings(c).ipMasq);
  t.false(flannelSettings(c).forwardRules);
});

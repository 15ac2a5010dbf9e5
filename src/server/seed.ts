// An empty store gets a cluster: the topology files' objects and their configuration
// ConfigMap, written as kube-apiserver would store them (creation time, pods Pending).
// A store that already holds a cluster is served as it is.
import { KINDS } from '../api/types.js';
import { readTopology } from '../topology/load.js';
import { log } from '../log.js';
import { encode } from './bridge.js';
import { timestamp } from './registry.js';
import { resourceOfKind, storageKey } from './resources.js';
import type { Storage } from './storage.js';
import { TOPOLOGY_CONFIGMAP, topologyConfigMap } from './topology-store.js';

export async function seedStorage(storage: Storage, files: string[], now: () => number): Promise<void> {
  const cmKey = storageKey(resourceOfKind('ConfigMap')!, TOPOLOGY_CONFIGMAP.namespace, TOPOLOGY_CONFIGMAP.name);
  if (await storage.get(cmKey)) {
    if (files.length) log().warn({ store: storage.description }, 'the store already holds a cluster: -f files not loaded');
    return;
  }
  const topology = readTopology(files);
  const created = timestamp(now());
  // In file order, the configuration last, so the controllers meet the objects as `-f` gives them.
  const objects = [...topology.objects.map((s) => s.object).filter((o) => o.kind !== 'Node'), topologyConfigMap(files)];
  for (const o of objects) {
    const r = resourceOfKind(o.kind)!;
    const ns = KINDS[o.kind].namespaced ? (o.metadata.namespace ?? 'default') : undefined;
    const key = storageKey(r, ns, o.metadata.name);
    const meta = { ...o.metadata, ...(ns ? { namespace: ns } : {}), creationTimestamp: o.metadata.creationTimestamp ?? created, ...('spec' in o ? { generation: 1 } : {}) };
    const status = o.kind === 'Pod' && !o.status?.phase ? { status: { ...o.status, phase: 'Pending' } } : {};
    await storage.put(key, encode({ ...o, metadata: meta, ...status }), { modRevision: 0 });
  }
}

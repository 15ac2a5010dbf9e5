// A cluster's configuration kept in its own API: the topology documents that are not API
// objects (the knet Cluster header, kubeadm's ClusterConfiguration, KubeProxyConfiguration,
// KubeletConfiguration) live in the ConfigMap kube-system/knet-topology, so every server on a
// shared store and every `knet --server` client builds the same Cluster from the API alone.
import YAML from 'yaml';
import { InputError } from '../api/errors.js';
import { isKind, type AnyObject, type ConfigMap } from '../api/types.js';
import { DEFAULT_TOPOLOGY, readTopologyValues, type Topology } from '../topology/load.js';
import { expandPaths, parseFile } from '../topology/source.js';

export const TOPOLOGY_CONFIGMAP = { namespace: 'kube-system', name: 'knet-topology', key: 'topology.yaml' };

/** The configuration documents of topology files, as the ConfigMap that carries them. */
export function topologyConfigMap(files: string[]): ConfigMap {
  const docs = expandPaths(files.length ? files : [DEFAULT_TOPOLOGY])
    .flatMap((f) => parseFile(f))
    .map((d) => d.value)
    .filter((v) => !(typeof v.kind === 'string' && isKind(v.kind)));
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: TOPOLOGY_CONFIGMAP.name, namespace: TOPOLOGY_CONFIGMAP.namespace, labels: { 'app.kubernetes.io/managed-by': 'knet' } },
    data: { [TOPOLOGY_CONFIGMAP.key]: docs.map((d) => YAML.stringify(d)).join('---\n') },
  };
}

/** Builds a topology from a cluster's API objects: its configuration ConfigMap plus every object. */
export function topologyFromObjects(objects: AnyObject[], where: string): Topology {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === TOPOLOGY_CONFIGMAP.namespace && o.metadata.name === TOPOLOGY_CONFIGMAP.name) as ConfigMap | undefined;
  const text = cm?.data?.[TOPOLOGY_CONFIGMAP.key];
  if (text === undefined) throw new InputError(`${where}: no ConfigMap ${TOPOLOGY_CONFIGMAP.namespace}/${TOPOLOGY_CONFIGMAP.name}: not a cluster served by knet serve`);
  const config = YAML.parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>).filter((v) => v && typeof v === 'object');
  const plain = objects
    .filter((o) => o.kind !== 'Node')
    .map((o) => {
      const metadata = { ...o.metadata };
      delete metadata.resourceVersion;
      return { ...o, metadata } as unknown as Record<string, unknown>;
    });
  // Nodes come from the header, as kubelets register them; the API's Node objects are the same.
  return readTopologyValues([...config, ...plain], where);
}

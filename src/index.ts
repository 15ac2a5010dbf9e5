// knet as a library: load a topology, read the store, and (as features land) trace packets.
export { Cluster, loadCluster } from './cluster/cluster.js';
export { Store, type WatchEvent } from './api/store.js';
export * from './api/types.js';
export { readTopology, readTopologyText, readTopologyValues, type Topology } from './topology/load.js';
export { InputError, ApiError } from './api/errors.js';

// knet as a library: load a topology, read the store, and (as features land) trace packets.
export { Cluster, loadCluster, loadCluster as loadTopology } from './cluster/cluster.js';
export { trace, traceConnections, type TraceOptions } from './dataplane/trace.js';
export { renderTrace } from './dataplane/render.js';
export { Dataplane } from './dataplane/dataplane.js';
export type * from './dataplane/types.js';
export { Store, type WatchEvent } from './api/store.js';
export * from './api/types.js';
export { readTopology, readTopologyText, readTopologyValues, type Topology } from './topology/load.js';
export { InputError, ApiError } from './api/errors.js';
export { CorednsInstance, clusterDNS, type InstanceOptions } from './dns/instance.js';
export { lookupFromPod, resolveFromPod, walkText, walkJSON, searchCandidates, type ResolverWalk, type ResolverQuery } from './dns/resolver.js';
export { resolvConfFor, resolvConfText, type ResolvConf } from './dns/resolvconf.js';
export { startDnsServer, type DnsServer } from './dns/server.js';
export type { Question, Reply } from './dns/answer.js';
export type { RR } from './dns/rr.js';

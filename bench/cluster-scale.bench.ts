// Load + controllers for 1,000 nodes, 10,000 Services and 100,000 pods.
import { Cluster } from '../src/cluster/cluster.js';
import { readTopologyValues } from '../src/topology/load.js';
import { generateCluster } from './generate.js';
import { line, ms, peakRssMB } from './report.js';

const spec = { nodes: 1000, services: 10_000, podsPerService: 10 };
const docs = generateCluster(spec);
const t0 = performance.now();
const cluster = new Cluster(readTopologyValues(docs, 'generated'));
const elapsed = ms(t0);
const pods = cluster.store.count('Pod');
const running = cluster.store.list('Pod').filter((p) => p.status?.podIP).length;
line('cluster', `${spec.nodes} nodes, ${spec.services} Services, ${pods} pods (${running} with IPs), ${cluster.store.count('EndpointSlice')} EndpointSlices`);
line('load + controllers (wall)', `${(elapsed / 1000).toFixed(2)} s`, { ok: elapsed < 3000, text: '< 3 s' });
const rss = peakRssMB();
line('peak RSS', `${rss.toFixed(0)} MB`, { ok: rss < 1536, text: '< 1.5 GB' });
line('store resourceVersion', String(cluster.store.resourceVersion));

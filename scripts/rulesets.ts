// `npm run rulesets`: regenerates rulesets/<topology>/<node>.iptables-save and .iptables-restore
// for every shipped topology whose kube-proxy runs in iptables mode, and <node>.nft (`nft list
// ruleset`) and <node>.nft-dump (the knftables dump) for those in nftables mode, and for IPVS mode
// <node>.ipvsadm (ipvsadm -Ln), .ipvsadm-save, .ipset-save and the iptables rules beside them.
// test/rulesets.test.ts regenerates them in memory and fails on any drift.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kubeProxyIpvsFor } from '../src/agents/kube-proxy/factory.js';
import { kubeProxyIptables } from '../src/agents/kube-proxy/iptables/node.js';
import { Dataplane } from '../src/dataplane/dataplane.js';
import { formatSave as ipsetSave } from '../src/kernel/ipset/format.js';
import { formatList as ipvsadmList, formatSave as ipvsadmSave } from '../src/kernel/ipvs/format.js';
import { syncedNodeNftables } from '../src/agents/kube-proxy/nftables/node.js';
import { dumpRuleset } from '../src/kernel/nftables/dump.js';
import { formatRuleset } from '../src/kernel/nftables/print.js';
import { loadCluster } from '../src/cluster/cluster.js';
import { formatRestore } from '../src/kernel/netfilter/restore.js';
import { formatSave } from '../src/kernel/netfilter/save.js';
import { TOPOLOGIES_DIR } from '../src/topology/load.js';

export const RULESETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'rulesets');

/** Relative path under rulesets/ → file text, for every iptables-mode topology and node. */
export function iptablesRulesets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(TOPOLOGIES_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    const cluster = loadCluster([join(TOPOLOGIES_DIR, file)]);
    if (cluster.topology.kubeProxy.mode !== 'iptables') continue;
    const topo = basename(file, '.yaml');
    for (const node of cluster.topology.header.nodes) {
      const agent = kubeProxyIptables(cluster, node.name, 4);
      out.set(`${topo}/${node.name}.iptables-save`, formatSave(agent.kernel, { now: cluster.clock.now() }));
      out.set(`${topo}/${node.name}.iptables-restore`, formatRestore(agent.lastSync!.input));
    }
  }
  return out;
}

/** Relative path under rulesets/ → file text, for every nftables-mode topology and node. */
export function nftablesRulesets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(TOPOLOGIES_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    const cluster = loadCluster([join(TOPOLOGIES_DIR, file)]);
    if (cluster.topology.kubeProxy.mode !== 'nftables') continue;
    const topo = basename(file, '.yaml');
    for (const node of cluster.topology.header.nodes) {
      const rs = syncedNodeNftables(cluster, node.name);
      out.set(`${topo}/${node.name}.nft`, formatRuleset(rs, cluster.clock.now()));
      out.set(`${topo}/${node.name}.nft-dump`, dumpRuleset(rs));
    }
  }
  return out;
}

/** Relative path under rulesets/ → file text, for every IPVS-mode topology and node. */
export function ipvsRulesets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(TOPOLOGIES_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    const cluster = loadCluster([join(TOPOLOGIES_DIR, file)]);
    if (cluster.topology.kubeProxy.mode !== 'ipvs') continue;
    const topo = basename(file, '.yaml');
    for (const node of cluster.topology.header.nodes) {
      const kernel = Dataplane.of(cluster).node(node.name)!;
      const p = kubeProxyIpvsFor(cluster, node.name, kernel, 4);
      if (p.mode !== 'ipvs') continue;
      out.set(`${topo}/${node.name}.ipvsadm`, ipvsadmList(kernel.ipvs, 4));
      out.set(`${topo}/${node.name}.ipvsadm-save`, ipvsadmSave(kernel.ipvs, 4));
      out.set(`${topo}/${node.name}.ipset-save`, ipsetSave(kernel.ipsets));
      out.set(`${topo}/${node.name}.iptables-save`, formatSave(p.agent.kernel, { now: cluster.clock.now() }));
      out.set(`${topo}/${node.name}.iptables-restore`, p.agent.lastSync!.restoreText);
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [rel, text] of [...iptablesRulesets(), ...nftablesRulesets(), ...ipvsRulesets()]) {
    const f = join(RULESETS_DIR, rel);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, text);
    process.stdout.write(`wrote rulesets/${rel}\n`);
  }
}

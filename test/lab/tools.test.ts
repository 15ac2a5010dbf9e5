// What a lab needs from the host: every program its plan runs, and for a missing one what it is
// for and the Debian package that has it (no root needed to check the wording).
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCluster } from '../../src/cluster/cluster.js';
import { missingTool, toolOrder } from '../../src/lab/host.js';
import { NFT_BINARY, planLab, planTools } from '../../src/lab/plan.js';
import { labInputs } from '../../src/lab/up.js';

const tools = (topology: string): string[] => toolOrder(planTools(planLab(labInputs(loadCluster([topology])), 'knet')));

test("the programs a lab's plan runs, in the order they are checked: ipset for IPVS mode, nft for nftables mode", (t) => {
  t.deepEqual(tools('topologies/kubeadm-3node.yaml'), ['ip', 'bridge', 'iptables-restore', 'sysctl']);
  t.deepEqual(tools('topologies/ipvs-sh-affinity.yaml'), ['ip', 'bridge', 'iptables-restore', 'sysctl', 'ipset']);
  t.deepEqual(tools('topologies/kubeadm-3node-nftables.yaml'), ['ip', 'bridge', 'iptables-restore', 'sysctl', NFT_BINARY]);
});

test('a missing program is named with what the lab needs it for and the Debian package to install', (t) => {
  const path = process.env.PATH;
  process.env.PATH = mkdtempSync(join(tmpdir(), 'knet-no-tools-'));
  try {
    t.is(missingTool(['ipset']), "ipset is not available (ENOENT), needed for IPVS mode's ipsets (ipset restore); install the Debian package ipset (apt-get install ipset)");
    t.is(missingTool(['sysctl']), "sysctl is not available (ENOENT), needed for the nodes' and pods' sysctls; install the Debian package procps (apt-get install procps)");
    t.is(missingTool(['/nonexistent/nft']), "/nonexistent/nft is not available (ENOENT), needed for nftables mode's table (nft -f); install the Debian package nftables (apt-get install nftables)");
    t.is(missingTool(['no-such-tool']), 'no-such-tool is not available (ENOENT)');
  } finally {
    process.env.PATH = path;
  }
});

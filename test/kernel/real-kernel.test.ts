// Kernel test: rebuild a node of the default topology in real network namespaces with the
// commands knet derives from its state, then check that the real ip/bridge print exactly what
// knet prints. Needs root and netns support; reports itself skipped with the reason otherwise.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startNodeAgents } from '../../src/agents/node-agents.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { showAddresses, showFdb, showNeighbours, showRoutes } from '../../src/kernel/iproute2.js';
import { replayCommands } from '../../src/kernel/replay.js';
import { RT_TABLE_LOCAL } from '../../src/kernel/route.js';

function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = `knet-probe-${process.pid}-${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error) return `ip not available (${add.error.message})`;
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  const vx = spawnSync('ip', ['link', 'help', 'vxlan'], { encoding: 'utf8' });
  if (vx.error) return 'ip link help failed';
  return undefined;
}

const reason = cannotRun();
const kernelTest = reason ? test.skip : test.serial;
const title = `real ip/bridge print what knet prints for k8s-node1 (route, local table, neigh, fdb, addresses)${reason ? ` — skipped: ${reason}` : ''}`;

function run(argv: string[]): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ip -4 addr show dev D` minus the ifindex, which depends on creation history. */
function sortLines(x: string): string[] {
  return x.split('\n').filter(Boolean).sort();
}

function noIndex(s: string): string {
  return s.replace(/^\d+: /gm, '');
}

kernelTest(title, async (t) => {
  const cluster = loadCluster();
  const kernel = startNodeAgents(cluster).get('k8s-node1')!;
  const tag = `knet-${process.pid}-${randomBytes(3).toString('hex')}`;
  const podNames = new Map(kernel.pods().map((s, i) => [s.pod, `${tag}-p${i}`]));
  const names = { node: `${tag}-n`, underlay: `${tag}-u`, pod: (k: string) => podNames.get(k)! };
  const all = [names.node, names.underlay, ...podNames.values()];
  t.teardown(() => {
    for (const n of all) spawnSync('ip', ['netns', 'del', n]);
  });
  try {
    for (const c of replayCommands(kernel, names)) run(c);
    const R = names.node;
    t.is(run(['ip', '-n', R, 'route']), showRoutes(kernel.root));
    t.is(run(['ip', '-n', R, 'route', 'show', 'table', 'local']), showRoutes(kernel.root, { table: RT_TABLE_LOCAL }));
    // Neighbour and vxlan FDB dumps walk hash tables keyed with a per-boot random seed: compare as sets.
    t.deepEqual(sortLines(run(['ip', '-n', R, 'neigh'])), sortLines(showNeighbours(kernel.root)));
    t.deepEqual(sortLines(run(['bridge', '-n', R, 'fdb', 'show', 'dev', 'flannel.1'])), sortLines(showFdb(kernel.root, 'flannel.1')));
    for (const dev of ['flannel.1', 'cni0']) t.is(noIndex(run(['ip', '-n', R, '-4', 'addr', 'show', 'dev', dev])), noIndex(showAddresses(kernel.root, { dev, family: 4 })));
    for (const s of kernel.pods()) {
      const P = names.pod(s.pod);
      t.is(run(['ip', '-n', P, 'route']), showRoutes(s.netns), s.pod);
      t.is(run(['ip', '-n', P, 'route', 'show', 'table', 'local']), showRoutes(s.netns, { table: RT_TABLE_LOCAL }), s.pod);
    }
    // The bridge learns each pod's MAC from the pod's first IPv6 frames; give them a moment.
    let fdb = '';
    for (let i = 0; i < 40; i++) {
      fdb = run(['bridge', '-n', R, 'fdb', 'show']);
      if (kernel.pods().every((s) => fdb.includes(`dev ${s.hostVeth} master cni0 \n`))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    t.deepEqual(sortLines(fdb), sortLines(showFdb(kernel.root)));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    t.fail(`${err.message}${err.stderr ? `: ${err.stderr}` : ''}`);
  }
});

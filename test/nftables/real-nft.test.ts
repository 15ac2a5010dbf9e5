// Kernel test: the `nft list ruleset` knet prints for every node of the nftables topology loads
// with the real `nft -f` into a fresh network namespace, and the real `nft list ruleset` prints
// it back identically; a parse/print round trip of knet's own model gives the same text. Needs
// root, netns support and nft; reports itself skipped with the reason otherwise.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPOLOGIES_DIR } from '../../src/topology/load.js';
import { formatRuleset } from '../../src/kernel/nftables/print.js';
import { NftRuleset } from '../../src/kernel/nftables/ruleset.js';
import { applyNft } from '../../src/kernel/nftables/transaction.js';
import { knet } from '../helpers/cli.js';

const TOPOLOGY = join(TOPOLOGIES_DIR, 'kubeadm-3node-nftables.yaml');
// the system's nft, not node_modules/.bin/nft (@vercel/nft, on PATH under npm)
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => existsSync(p));
const NODES = ['k8s-master', 'k8s-node1', 'k8s-node2'];

function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!NFT) return 'nft not installed';
  const probe = `knet-nftp-${process.pid}-${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error) return `ip not available (${add.error.message})`;
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const reason = cannotRun();
const kernelTest = reason ? test.skip : test.serial;

async function listOf(node: string): Promise<string> {
  const r = await knet('rules', 'nftables', '-f', TOPOLOGY, '--node', node);
  if (r.code !== 0) throw new Error(r.err);
  return r.out;
}

for (const node of NODES) {
  test(`knet's nft list ruleset of ${node} parses back to itself`, async (t) => {
    const text = await listOf(node);
    const rs = new NftRuleset();
    applyNft(rs, text, { file: `${node}.nft`, now: 0 });
    t.is(formatRuleset(rs, 0), text);
  });

  kernelTest(`the real nft loads knet's nft list ruleset of ${node} and lists it back identically${reason ? ` — skipped: ${reason}` : ''}`, async (t) => {
    const text = await listOf(node);
    const ns = `knet-nft-${process.pid}-${randomBytes(3).toString('hex')}`;
    const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
    t.is(add.status, 0, add.stderr);
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'knet-nft-')), `${node}.nft`);
      writeFileSync(file, text);
      const load = spawnSync('ip', ['netns', 'exec', ns, NFT!, '-f', file], { encoding: 'utf8' });
      t.is(load.status, 0, load.stderr);
      const list = spawnSync('ip', ['netns', 'exec', ns, NFT!, 'list', 'ruleset'], { encoding: 'utf8' });
      t.is(list.status, 0, list.stderr);
      t.is(list.stdout, text);
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });
}

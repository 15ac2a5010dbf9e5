// A lab command that finds no lab under its prefix names the prefixes that are up.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The records live in a directory of this test's own, not in /run/knet-lab.
const dir = mkdtempSync(join(tmpdir(), 'knet-labs-'));
process.env.KNET_LAB_STATE_DIR = dir;
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('status, down and exec name the prefix that is up', async (t) => {
  const { knet } = await import('../helpers/cli.js');
  const none = await knet('lab', 'status', '--prefix', 'mine');
  t.deepEqual([none.code, none.out], [0, 'no lab with prefix mine\n']);
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ prefix: 'other', files: [], createdAt: '', namespaces: [], responders: [], complete: true }));
  writeFileSync(join(dir, 'other-n1.log'), '');
  const s = await knet('lab', 'status', '--prefix', 'mine');
  t.is(s.out, 'no lab with prefix mine; a lab is up with --prefix other\n');
  const d = await knet('lab', 'down', '--prefix', 'mine');
  t.is(d.out, 'no lab with prefix mine; a lab is up with --prefix other\n');
  const e = await knet('lab', 'exec', '--prefix', 'mine', 'k8s-node1', '--', 'true');
  t.is(e.code, 2);
  t.is(e.err, `knet lab: no lab with prefix "mine" is up (${join(dir, 'mine.json')} does not exist); a lab is up with --prefix other\n`);
});

// A fresh clone must build and pass its tests with nothing beside it: the repository's own files
// (git ls-files) are copied to an empty directory, node_modules linked in, the project built and
// the reference-vector tests run there. A file read from beside the repository makes this fail.
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VECTOR_TESTS = ['test/agents/kube-proxy-vectors.test.ts', 'test/cli/flannel-vectors.test.ts', 'test/dataplane/flows-vectors.test.ts'];
const OUTSIDE = ['..', 'shared'].join('/');

async function trackedFiles(): Promise<string[] | undefined> {
  try {
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 64 << 20 });
    return stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)));
  } catch {
    return undefined;
  }
}

test('no source, test, bench or script names a path outside the repository', async (t) => {
  const files = await trackedFiles();
  if (!files) return t.pass('not a git checkout: nothing to list');
  const code = files.filter((f) => /^(src|test|bench|scripts)\/.*\.(ts|js|mjs)$/.test(f));
  t.true(code.length > 50);
  const offenders = code.filter((f) => readFileSync(join(ROOT, f), 'utf8').includes(OUTSIDE));
  t.deepEqual(offenders, []);
});

test('a copy of the repository alone builds and passes the vector tests', async (t) => {
  t.timeout(15 * 60_000);
  const files = await trackedFiles();
  if (!files) {
    t.log('skipped: not a git checkout (git ls-files failed), so there is no file list to copy');
    return t.pass();
  }
  const parent = mkdtempSync(join(tmpdir(), 'knet-fresh-'));
  t.teardown(() => rmSync(parent, { recursive: true, force: true }));
  const copy = join(parent, 'knet');
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(ROOT, f), join(copy, f));
  }
  // node_modules is linked package by package, so nothing done to the copy can reach the shared one.
  const modules = join(ROOT, 'node_modules');
  mkdirSync(join(copy, 'node_modules'));
  for (const entry of readdirSync(modules)) if (entry !== '.cache') symlinkSync(join(modules, entry), join(copy, 'node_modules', entry));
  t.false(existsSync(join(parent, 'shared')));
  const env = { ...process.env, UPDATE_GOLDEN: '', CI: '1' };
  await run(process.execPath, [join(copy, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: copy, env, maxBuffer: 64 << 20 });
  t.true(existsSync(join(copy, 'dist', 'index.js')));
  try {
    const { stdout } = await run(process.execPath, [join(copy, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), '--concurrency', '2', ...VECTOR_TESTS], { cwd: copy, env, maxBuffer: 64 << 20 });
    t.regex(stdout, /\d+ tests? passed/);
    t.notRegex(stdout, /failed|uncaught/i);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    t.fail(`the vector tests failed in a copy of the repository:\n${(err.stdout ?? '').slice(-4000)}\n${(err.stderr ?? '').slice(-2000)}`);
  }
});

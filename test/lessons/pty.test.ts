// `knet lesson start` in a real pseudo-terminal (python3's pty module drives it): answers typed
// into inquirer's prompts, feedback, hop stepping, rules and step explanations, the score, and
// the progress it records — once in English, once in Chinese.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const DRIVER = join(import.meta.dirname, 'pty-drive.py');

type Step = { expect: string; send?: string };

async function drive(t: { log: (s: string) => void; pass: () => void }, args: string[], script: Step[]): Promise<{ screen: string; progress: unknown } | undefined> {
  try {
    await run('python3', ['-c', 'import pty']);
  } catch {
    t.log('skipped: python3 with the pty module is not available');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'knet-pty-'));
  writeFileSync(join(dir, 'script.json'), JSON.stringify(script));
  const { stdout } = await run('python3', [DRIVER, join(dir, 'script.json'), '--', process.execPath, join(REPO, 'bin', 'knet.js'), 'lesson', 'start', ...args], {
    env: { ...process.env, XDG_STATE_HOME: dir, TERM: 'xterm' },
    maxBuffer: 1 << 24,
    timeout: 110_000,
  });
  return { screen: stdout, progress: JSON.parse(readFileSync(join(dir, 'knet', 'lessons.json'), 'utf8')) };
}

/** The lines of the screen that are not inquirer's redrawn prompts. */
function printed(screen: string): string[] {
  return screen.split('\n').filter((l) => !/^(\? |❯ |  \S.*$|↑↓)/.test(l) || /^  (route|neighbour|out|veth|in|bridge|nat|filter|DNAT|ttl|conntrack|socket) /.test(l));
}

test('clusterip in English: answers, a wrong one, path choice, next/previous hop, rules, explain', async (t) => {
  const r = await drive(t, ['clusterip'], [
    { expect: 'Your answer', send: '3\r' },
    { expect: 'Step through which path', send: '1\r' },
    { expect: 'hop 1/3', send: '1\r' },
    { expect: 'hop 2/3  k8s-node1', send: '3\r' },
    { expect: 'show the rules met on this hop', send: '4\r' },
    { expect: 'Explain which step', send: '1\r' },
    { expect: 'A veth pair is a cable', send: '2\r' },
    { expect: 'previous hop\n', send: '5\r' },
    { expect: 'Task 2/6', send: '' },
    { expect: 'Your answer', send: '2\r' },
    { expect: 'Step through which path', send: '\r' },
    { expect: 'hop 1/3', send: '5\r' },
    { expect: 'Task 3/6' },
    { expect: 'Your answer', send: '1\r' },
    { expect: 'hop 1/3', send: '5\r' },
    { expect: 'Task 4/6' },
    { expect: 'Your answer', send: '1\r' },
    { expect: 'hop 1/3', send: '5\r' },
    { expect: 'Task 5/6' },
    { expect: 'Your answer', send: '10.1.0.2:80\r' },
    { expect: 'hop 1/3', send: '5\r' },
    { expect: 'Task 6/6' },
    { expect: 'Your answer', send: '2\r' },
    { expect: 'hop 1/3', send: '5\r' },
    { expect: 'You got 5 of 6 right.' },
  ]);
  if (!r) return t.pass();
  const lines = printed(r.screen);
  t.deepEqual(lines.filter((l) => /^(✓|✗) /.test(l)), ['✓ Right', '✗ Not quite — knet computes: 0.3333333333', '✓ Right', '✓ Right', '✓ Right', '✓ Right']);
  t.true(lines.includes('Evidence: knet trace pod-a svc/nginx --all-paths'));
  t.true(lines.includes('hop 1/3  k8s-node1  pod default/pod-a'));
  t.true(lines.includes('hop 2/3  k8s-node1'));
  // "show the rules": the netfilter steps of hop 2, the DNAT rule among them.
  t.true(lines.includes('  nat KUBE-SEP-I7J7B2HF6PITCMSA #2 -A KUBE-SEP-I7J7B2HF6PITCMSA -p tcp -m comment --comment "default/nginx" -m tcp -j DNAT --to-destination 10.244.1.3:80'));
  t.true(lines.includes('A veth pair is a cable between two network namespaces: what leaves default/pod-a eth0 comes out of veth71866a09.'));
  t.true(lines.some((l) => l.startsWith('Why: With n endpoints rule i fires with probability 1/(n-i+1)')));
  t.true(lines.some((l) => l.startsWith('See it for real (as root)')));
  t.deepEqual(r.progress, { clusterip: { best: 5, tasks: 6, attempts: 1, done: false } });
});

test('three-networks in Chinese: typed and chosen answers, feedback, a step explained', async (t) => {
  const r = await drive(t, ['three-networks', '--lang', 'zh'], [
    { expect: '你的答案', send: '3\r' },
    { expect: '任务 2/6' },
    { expect: '你的答案', send: '1\r' },
    { expect: '任务 3/6' },
    { expect: '你的答案', send: '2\r' },
    { expect: '任务 4/6' },
    { expect: '你的答案', send: '无\r' },
    { expect: '任务 5/6' },
    { expect: '你的答案', send: '3\r' },
    { expect: '任务 6/6' },
    { expect: '你的答案', send: '1\r' },
    { expect: 'hop 1/3', send: '1\r' },
    { expect: 'hop 2/3  k8s-node1', send: '4\r' },
    { expect: '解释哪一步', send: '1\r' },
    { expect: 'veth 对是连接两个网络命名空间', send: '5\r' },
    { expect: '共 6 题，答对 5 题。' },
  ]);
  if (!r) return t.pass();
  const lines = printed(r.screen);
  t.deepEqual(lines.filter((l) => /^(✓|✗) /.test(l)), ['✓ 正确', '✗ 不对 —— knet 算出的是：10.244.1.2', '✓ 正确', '✓ 正确', '✓ 正确', '✓ 正确']);
  t.true(lines.includes('证据：knet ip --node NODE addr'));
  t.true(lines.includes('没有任何节点或 Pod 的网卡持有 10.1.0.2'));
  t.true(lines.includes('veth 对是连接两个网络命名空间的"网线"：从 default/pod-a eth0 发出的包从 veth71866a09 出来。'));
  t.true(lines.some((l) => l.startsWith('动手验证（需要 root）')));
  t.deepEqual(r.progress, { 'three-networks': { best: 5, tasks: 6, attempts: 1, done: false } });
});

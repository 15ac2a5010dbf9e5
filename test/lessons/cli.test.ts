// knet lesson list/start/solve/check from the command line: whole outputs, progress in the state
// directory, and one test per error class (one line naming file, line and field; exit 1 or 2).
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';
import { golden, privateState } from './helpers.js';

const state = privateState();

test.serial('list: every lesson with its level, minutes and progress; check records progress', async (t) => {
  const before = await knet('lesson', 'list');
  t.is(before.code, 0, before.err);
  t.is(before.out, golden('list.txt', before.out));
  const sol = await knet('lesson', 'solve', 'hairpin');
  const file = join(state, 'hairpin.yaml');
  writeFileSync(file, sol.out);
  t.is((await knet('lesson', 'check', 'hairpin', '--answers', file)).code, 0);
  writeFileSync(file, sol.out.replace('reply: DELIVERED', 'reply: BROKEN'));
  const wrong = await knet('lesson', 'check', 'hairpin', '--answers', file, '--lang', 'zh');
  t.is(wrong.code, 1);
  t.is(wrong.err, '4 题中答错 1 题\n');
  t.regex(wrong.out, /^✗ reply: 你的答案是 BROKEN，knet 算出的是 DELIVERED（证据：knet trace nginx-6b97fcfcdd-m6qp9 svc\/nginx --all-paths）$/m);
  t.deepEqual(JSON.parse(readFileSync(join(state, 'knet', 'lessons.json'), 'utf8')), { hairpin: { best: 4, tasks: 4, attempts: 2, done: true } });
  const after = await knet('lesson', 'list', '-o', 'json');
  const rows = JSON.parse(after.out) as { id: string; level: string; minutes: number; topics: string[]; title: { en: string; zh: string }; progress: unknown }[];
  t.deepEqual(rows.find((r) => r.id === 'hairpin')!.progress, { best: 4, tasks: 4, attempts: 2, done: true });
  t.deepEqual(Object.keys(rows[0]!), ['id', 'title', 'topics', 'level', 'minutes', 'progress']);
  t.regex((await knet('lesson', 'list')).out, /^hairpin +advanced +8 +done 4\/4 /m);
});

test('start without a terminal prints the whole lesson (no answers), in English and in Chinese', async (t) => {
  for (const [id, lang] of [['clusterip', 'en'], ['three-networks', 'zh']] as const) {
    const r = await knet('lesson', 'start', id, '--lang', lang);
    t.is(r.code, 0, r.err);
    t.is(r.out, golden(`start-${id}-${lang}.txt`, r.out));
  }
});

test('solve prints the answers file knet computes', async (t) => {
  const r = await knet('lesson', 'solve', 'clusterip');
  t.is(r.out, 'lesson: clusterip\nanswers:\n  paths: 3\n  first-coin: 0.3333333333\n  dnat: true\n  source-seen: 10.244.1.2\n  reply-from: 10.1.0.2:80\n  rules-met: 21\n');
});

test('answers files: wrong lesson, unknown task, missing file, unknown lesson', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-answers-'));
  const f = join(dir, 'a.yaml');
  writeFileSync(f, 'lesson: hairpin\nanswers:\n  paths: 3\n');
  let r = await knet('lesson', 'check', 'clusterip', '--answers', f);
  t.is(r.code, 1);
  t.is(r.err, `${f}:1: answers are for lesson "hairpin", not clusterip\n`);
  writeFileSync(f, 'lesson: clusterip\nanswers:\n  paths: 3\n  hops: 4\n');
  r = await knet('lesson', 'check', 'clusterip', '--answers', f);
  t.is(r.err, `${f}:4: answers.hops: lesson clusterip has no task "hops" (tasks: paths, first-coin, dnat, source-seen, reply-from, rules-met)\n`);
  r = await knet('lesson', 'check', 'clusterip', '--answers', join(dir, 'nope.yaml'));
  t.is(r.err, `${join(dir, 'nope.yaml')}: no such file or directory\n`);
  r = await knet('lesson', 'start', 'nope');
  t.is(r.code, 1);
  t.regex(r.err, /^no lesson "nope" \(lessons: three-networks, pod-to-pod-same-node, .*\)\n$/);
  r = await knet('lesson', 'check', 'clusterip');
  t.is(r.code, 2);
  r = await knet('lesson', 'list', '--dir', join(dir, 'none'));
  t.is(r.err, `${join(dir, 'none')}: no such directory\n`);
  r = await knet('lesson', 'start', 'clusterip', '--lang', 'fr');
  t.is(r.code, 2);
});

test.serial('a progress file that is not JSON is named, not overwritten', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-state-'));
  mkdirSync(join(dir, 'knet'));
  writeFileSync(join(dir, 'knet', 'lessons.json'), 'garbage');
  const prev = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = dir;
  const r = await knet('lesson', 'list');
  process.env.XDG_STATE_HOME = prev;
  t.is(r.code, 1);
  t.is(r.err, `${join(dir, 'knet', 'lessons.json')}: not a knet progress file (a JSON mapping); remove it to start afresh\n`);
  t.is(readFileSync(join(dir, 'knet', 'lessons.json'), 'utf8'), 'garbage');
});

const GOOD = `apiVersion: knet.dev/v1alpha1
kind: Lesson
id: tiny
title: {en: Tiny, zh: 小}
text: {en: A tiny lesson., zh: 一个小课。}
topics: [dns]
level: beginner
minutes: 1
topology: kubeadm-3node
tasks:
  - id: q
    question: {en: How many?, zh: 几个？}
    resolve: {from: pod-a, name: nginx}
    ask: queries
    answer: 1
    explain: {en: One., zh: 一个。}
`;

test('lesson files: each mistake is one line with file, line and field', async (t) => {
  const cases: [string, string, string][] = [
    ['unknown ask', GOOD.replace('ask: queries', 'ask: hops'), ':14: Lesson tiny task q: tasks[0].ask: unknown ask "hops" (asks: '],
    ['ask on the wrong query', GOOD.replace('ask: queries', 'ask: verdict'), ':14: Lesson tiny task q: tasks[0].ask: "verdict" reads a trace query, not resolve'],
    ['missing Chinese', GOOD.replace('{en: One., zh: 一个。}', '{en: One.}'), ':16: Lesson tiny task q: tasks[0].explain.zh: Required value'],
    ['unknown topology', GOOD.replace('topology: kubeadm-3node', 'topology: nope'), ':9: Lesson tiny: topology: nope: no such topology ('],
    ['two queries', GOOD.replace('    ask: queries', '    trace: {from: pod-a, to: svc/nginx}\n    ask: queries'), ':11: Lesson tiny task q: tasks[0]: a task needs exactly one query (trace, connections, resolve, resolvConf, rules, ipvs, nftables, object, addresses), got trace, resolve'],
    ['no such steps file', GOOD.replace('    ask: queries', '    steps: ./steps/none.yaml\n    ask: queries'), ':14: Lesson tiny task q: tasks[0].steps: ./steps/none.yaml: no such steps file ('],
    ['steps not a path', GOOD.replace('    ask: queries', '    steps: blue\n    ask: queries'), `:14: Lesson tiny task q: tasks[0].steps: want a steps file's path relative to the lesson (./steps/x.yaml), got "blue"`],
    ['unknown field', GOOD.replace('minutes: 1', 'minutes: 1\nminuets: 2'), ':9: Lesson tiny: minuets: unknown field (fields: '],
    ['bad level', GOOD.replace('level: beginner', 'level: expert'), ':7: Lesson tiny: level: Unsupported value: "expert": supported values: "beginner", "intermediate", "advanced"'],
    ['missing answer', GOOD.replace('    answer: 1\n', ''), ':11: Lesson tiny task q: tasks[0].answer: Required value: the answer the lesson expects'],
    ['missing ask parameter', GOOD.replace('resolve: {from: pod-a, name: nginx}', 'trace: {from: pod-a, to: svc/nginx}').replace('ask: queries', 'ask: {stepField: {kind: ttl}}'), ':14: Lesson tiny task q: tasks[0].ask.stepField.field: Required value'],
    ['duplicate task', GOOD + GOOD.slice(GOOD.indexOf('  - id: q')), ':17: Lesson tiny: tasks[1].id: duplicate task id "q"'],
    ['YAML syntax', GOOD.replace('topics: [dns]', 'topics: [dns'), ':7:1: YAML syntax error'],
  ];
  for (const [what, text, err] of cases) {
    const dir = mkdtempSync(join(tmpdir(), 'knet-lesson-'));
    writeFileSync(join(dir, 'tiny.yaml'), text);
    const r = await knet('lesson', 'list', '--dir', dir);
    t.is(r.code, 1, what);
    t.true(r.err.startsWith(join(dir, 'tiny.yaml') + err) && r.err.endsWith('\n') && r.err.split('\n').length === 2, `${what}: ${r.err}`);
  }
});

test('a mistake in the steps file of a task is one line naming the steps file, line and field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-lesson-'));
  writeFileSync(join(dir, 'tiny.yaml'), GOOD.replace('    ask: queries', '    steps: ./steps/bad.yaml\n    ask: queries'));
  mkdirSync(join(dir, 'steps'));
  writeFileSync(join(dir, 'steps', 'bad.yaml'), 'apiVersion: knet.dev/v1alpha1\nkind: Steps\nsteps:\n- wait: soon\n');
  const r = await knet('lesson', 'list', '--dir', dir);
  t.is(r.code, 1);
  t.is(r.err, `${join(dir, 'steps', 'bad.yaml')}:4: Steps: steps[0].wait: want a duration like 2s, 500ms or 1m, got "soon"\n`);
});

test('an IPVS question on a cluster without IPVS, or about a virtual server that does not exist, fails in one line naming the task', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-lesson-'));
  const ipvs = GOOD.replace('resolve: {from: pod-a, name: nginx}', 'ipvs: {node: k8s-node1}').replace('ask: queries', 'ask: virtualServers');
  writeFileSync(join(dir, 'tiny.yaml'), ipvs);
  let r = await knet('lesson', 'solve', 'tiny', '--dir', dir);
  t.is(r.code, 1);
  t.is(r.err, `${join(dir, 'tiny.yaml')}:11: query: kube-proxy runs in iptables mode here, not ipvs: no IPVS table\n`);
  const repo = join(import.meta.dirname, '..', '..', 'lessons', 'topologies');
  writeFileSync(join(dir, 'tiny.yaml'), ipvs.replace('topology: kubeadm-3node', `topology: [${join(repo, 'header-ipvs-rr.yaml')}, ${join(repo, 'cluster-objects.yaml')}]`).replace('ask: virtualServers', 'ask: {persistence: {service: TCP 10.1.9.9:80}}'));
  r = await knet('lesson', 'solve', 'tiny', '--dir', dir);
  t.is(r.code, 1);
  t.is(r.err, `${join(dir, 'tiny.yaml')}:11: ask persistence: no IPVS virtual server "TCP 10.1.9.9:80" (want PROTO ADDR:PORT as ipvsadm -Ln lists it)\n`);
});

test('an nftables question on a cluster in another mode, or about a map that does not exist, fails in one line naming the task', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-lesson-'));
  const nft = GOOD.replace('resolve: {from: pod-a, name: nginx}', 'nftables: {node: k8s-node1}').replace('ask: queries', 'ask: {nftElements: {set: service-ips}}');
  writeFileSync(join(dir, 'tiny.yaml'), nft);
  let r = await knet('lesson', 'solve', 'tiny', '--dir', dir);
  t.is(r.code, 1);
  t.is(r.err, `${join(dir, 'tiny.yaml')}:11: query: kube-proxy runs in iptables mode here, not nftables: no kube-proxy nftables table\n`);
  writeFileSync(join(dir, 'tiny.yaml'), nft.replace('topology: kubeadm-3node', 'topology: kubeadm-3node-nftables').replace('set: service-ips', 'set: service-ipz'));
  r = await knet('lesson', 'solve', 'tiny', '--dir', dir);
  t.is(r.code, 1);
  t.is(r.err, `${join(dir, 'tiny.yaml')}:11: ask nftElements: no set or map "service-ipz" in table ip kube-proxy\n`);
});

test('a lesson whose written answer knet no longer computes warns and is graded by knet', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'knet-lesson-'));
  writeFileSync(join(dir, 'tiny.yaml'), GOOD.replace('answer: 1', 'answer: 2'));
  const r = await knet('lesson', 'solve', 'tiny', '--dir', dir);
  t.is(r.code, 0);
  t.is(r.out, 'lesson: tiny\nanswers:\n  q: 1\n');
  t.is(r.err, `Warning: ${join(dir, 'tiny.yaml')}:11: lesson tiny task q expects 2 but knet computes 1; grading follows knet\n`);
});

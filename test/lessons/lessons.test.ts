// Every lesson: it loads, every written answer equals what knet computes, `solve` → `check`
// passes, and a wrong answer for each task fails with its feedback line.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ASKS } from '../../src/lessons/asks.js';
import { answerText, sameAnswer } from '../../src/lessons/answers.js';
import { commandFor } from '../../src/lessons/evidence.js';
import { feedbackLine, grade, solveLesson } from '../../src/lessons/grade.js';
import { readLessons } from '../../src/lessons/load.js';
import { knet } from '../helpers/cli.js';
import { privateState, wrongAnswer } from './helpers.js';

const state = privateState();
const lessons = readLessons();

test('at least 14 lessons, ids unique, every task with a question and an explanation in both languages', (t) => {
  t.true(lessons.length >= 14, `${lessons.length} lessons`);
  t.is(new Set(lessons.map((l) => l.id)).size, lessons.length);
  for (const l of lessons) {
    for (const task of l.tasks) for (const lang of ['en', 'zh'] as const) t.truthy(task.question[lang].trim() && task.explain[lang].trim(), `${l.id}/${task.id} ${lang}`);
    // Chinese text is Chinese: every zh title and story holds CJK characters.
    t.regex(l.title.zh + l.text.zh, /[\u4e00-\u9fff]/, l.id);
  }
});

test('list answers: items split at commas when there are any (an item may hold a space), else at spaces', (t) => {
  const holders = ASKS.holders!;
  const want = ['k8s-master kube-ipvs0', 'k8s-node1 kube-ipvs0'];
  t.true(sameAnswer(holders, want, 'k8s-node1 kube-ipvs0, k8s-master kube-ipvs0'));
  t.true(sameAnswer(holders, want, 'k8s-master kube-ipvs0，k8s-node1 kube-ipvs0'));
  t.false(sameAnswer(holders, want, 'k8s-master kube-ipvs0 k8s-node1 kube-ipvs0'));
  t.true(sameAnswer(ASKS.tried!, ['a.default.svc.cluster.local', 'a.svc.cluster.local'], 'a.default.svc.cluster.local a.svc.cluster.local'));
  t.false(sameAnswer(ASKS.tried!, ['a.default.svc.cluster.local', 'a.svc.cluster.local'], 'a.svc.cluster.local, a.default.svc.cluster.local'));
});

for (const lesson of lessons) {
  test(`lesson ${lesson.id}: written answers equal knet's, solve → check passes, each wrong answer fails`, async (t) => {
    const solved = await solveLesson(lesson);
    for (const s of solved) t.true(s.authorAgrees, `${s.task.id}: lesson says ${answerText(s.task.answer, 'en')}, knet computes ${answerText(s.computed, 'en')}`);
    // Choices, when given, hold the right answer.
    for (const s of solved) if (s.task.choices) t.true(s.task.choices.some((c) => sameAnswer(ASKS[s.task.ask.name]!, s.computed, c.value)), `${s.task.id}: no choice is right`);

    const sol = await knet('lesson', 'solve', lesson.id);
    t.is(sol.code, 0, sol.err);
    // Only the topology's own load warnings (a lesson's broken Service is on purpose), never a disagreement.
    t.true(sol.err.split('\n').filter(Boolean).every((l) => l.startsWith('Warning: lessons/topologies/') && !l.includes('grading follows knet')), sol.err);
    const file = join(state, `${lesson.id}.answers.yaml`);
    writeFileSync(file, sol.out);
    const ok = await knet('lesson', 'check', lesson.id, '--answers', file);
    t.is(ok.code, 0, ok.err);
    const cmd = (i: number) => commandFor(lesson.tasks[i]!.query, lesson.tasks[i]!.topology ?? lesson.topology, lesson.tasks[i]!.ask);
    t.is(ok.out, solved.map((s, i) => `✓ ${s.task.id}: ${answerText(s.computed, 'en')} — right (evidence: ${cmd(i)})\n`).join('') + `all ${solved.length} answers are right\n`);

    // Each task wrong on its own: only that line turns into ✗ with knet's answer.
    const right = (YAML.parse(sol.out) as { answers: Record<string, unknown> }).answers;
    solved.forEach((s, i) => {
      const wrong = wrongAnswer(s.task, s.computed);
      const g = grade(solved, { ...right, [s.task.id]: wrong });
      t.deepEqual(g.map((x) => x.correct), solved.map((_, j) => j !== i), `${s.task.id} with ${JSON.stringify(wrong)}`);
      t.is(feedbackLine(g[i]!, lesson, 'en'), `✗ ${s.task.id}: you answered ${answerText(wrong, 'en')}, knet computes ${answerText(s.computed, 'en')} (evidence: ${cmd(i)})`);
    });

    // All wrong through the command line: exit 1, one ✗ line per task, the count on stderr.
    writeFileSync(file, YAML.stringify({ lesson: lesson.id, answers: Object.fromEntries(solved.map((s) => [s.task.id, wrongAnswer(s.task, s.computed)])) }));
    const bad = await knet('lesson', 'check', lesson.id, '--answers', file);
    t.is(bad.code, 1);
    t.deepEqual(bad.out.split('\n').filter(Boolean).map((l) => l.slice(0, 2)), solved.map(() => '✗ '));
    t.is(bad.err.split('\n').filter((l) => !l.startsWith('Warning: lessons/topologies/')).join('\n'), `${solved.length} of ${solved.length} answers are wrong\n`);
  });
}

// Grading: every task's answer computed by knet, the student's compared with it, one line of
// feedback per task; `solve` writes the computed answers as an answers file.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { InputError } from '../api/errors.js';
import { ASKS, computeAnswer } from './asks.js';
import { answerText, sameAnswer } from './answers.js';
import { commandFor } from './evidence.js';
import type { Answer, Lang, Lesson, Task } from './model.js';
import { LessonRun, type QueryResult } from './run.js';
import { parseFile } from '../topology/source.js';

export interface Solved {
  task: Task;
  result: QueryResult;
  /** What knet computes: the answer that is graded right. */
  computed: Answer;
  /** Whether the lesson's written answer agrees (a test holds every one to true). */
  authorAgrees: boolean;
}

export async function solveLesson(lesson: Lesson, run = new LessonRun(lesson)): Promise<Solved[]> {
  const out: Solved[] = [];
  for (const task of lesson.tasks) out.push(await solveTask(run, task));
  return out;
}

export async function solveTask(run: LessonRun, task: Task): Promise<Solved> {
  const result = await run.run(task);
  let computed: Answer;
  try {
    computed = computeAnswer(task.ask, result, run.clusterOf(task));
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${task.where}: ask ${task.ask.name}: ${e.message}`);
    throw e;
  }
  return { task, result, computed, authorAgrees: sameAnswer(ASKS[task.ask.name]!, computed, task.answer) };
}

/** Lines of warning for written answers knet no longer agrees with (never silent). */
export function disagreements(lesson: Lesson, solved: Solved[]): string[] {
  return solved
    .filter((s) => !s.authorAgrees)
    .map((s) => `Warning: ${s.task.where}: lesson ${lesson.id} task ${s.task.id} expects ${answerText(s.task.answer, 'en')} but knet computes ${answerText(s.computed, 'en')}; grading follows knet`);
}

export interface AnswersFile {
  lesson: string;
  answers: Record<string, Answer>;
}

export function answersFile(lesson: Lesson, solved: Solved[]): AnswersFile {
  return { lesson: lesson.id, answers: Object.fromEntries(solved.map((s) => [s.task.id, s.computed])) };
}

/** Reads an answers file (YAML or JSON), checking it is for this lesson and names only its tasks. */
export function readAnswers(file: string, lesson: Lesson): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: no such file or directory`);
  }
  const doc = parseFile(file, text)[0];
  if (!doc) throw new InputError(`${file}: empty answers file (want lesson: ID and answers: {TASK: ANSWER})`);
  const { value, ref } = doc;
  if (value.lesson !== lesson.id) throw new InputError(`${ref.where(['lesson'])}: answers are for lesson "${String(value.lesson ?? '')}", not ${lesson.id}`);
  const answers = value.answers;
  if (!answers || typeof answers !== 'object' || Array.isArray(answers)) throw new InputError(`${ref.where(['answers'])}: answers: want a mapping of task id to answer`);
  for (const k of Object.keys(answers)) {
    if (!lesson.tasks.some((t) => t.id === k)) throw new InputError(`${ref.where(['answers', k])}: answers.${k}: lesson ${lesson.id} has no task "${k}" (tasks: ${lesson.tasks.map((t) => t.id).join(', ')})`);
  }
  return answers as Record<string, unknown>;
}

export interface Graded {
  solved: Solved;
  given: unknown;
  correct: boolean;
}

export function grade(solved: Solved[], answers: Record<string, unknown>): Graded[] {
  return solved.map((s) => {
    const given = answers[s.task.id];
    return { solved: s, given, correct: sameAnswer(ASKS[s.task.ask.name]!, s.computed, given) };
  });
}

function givenText(v: unknown, lang: Lang): string {
  if (v === undefined || v === null) return lang === 'zh' ? '（未作答）' : '(no answer)';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v)) return answerText(v as Answer, lang);
  return JSON.stringify(v);
}

/** One line: right or wrong, what knet computes, and the command that shows why. */
export function feedbackLine(g: Graded, lesson: Lesson, lang: Lang): string {
  const t = g.solved.task;
  const computed = answerText(g.solved.computed, lang);
  const cmd = commandFor(t.query, t.topology ?? lesson.topology, t.ask);
  if (g.correct) return lang === 'zh' ? `✓ ${t.id}: ${computed} —— 正确（证据：${cmd}）` : `✓ ${t.id}: ${computed} — right (evidence: ${cmd})`;
  return lang === 'zh'
    ? `✗ ${t.id}: 你的答案是 ${givenText(g.given, lang)}，knet 算出的是 ${computed}（证据：${cmd}）`
    : `✗ ${t.id}: you answered ${givenText(g.given, lang)}, knet computes ${computed} (evidence: ${cmd})`;
}

export function answersYAML(a: AnswersFile): string {
  return YAML.stringify(a);
}

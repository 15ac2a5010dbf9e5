// A lesson as plain text (no terminal to talk to): the story, each question with its choices and
// the command that shows the evidence, and the hands-on part. Answers are left out: `knet lesson
// check` grades them and `knet lesson solve` prints them.
import { answerText } from './answers.js';
import { commandFor } from './evidence.js';
import type { Choice, Lang, Lesson, Task } from './model.js';

const L = {
  en: { level: 'level', minutes: 'min', topics: 'topics', cluster: 'cluster', steps: 'steps', task: 'Task', evidence: 'evidence', lab: 'See it for real (as root)', look: 'look for', check: 'Answer in a file (lesson: ID, answers: {TASK: ANSWER}) and grade it with' },
  zh: { level: '难度', minutes: '分钟', topics: '主题', cluster: '集群', steps: '变更步骤', task: '任务', evidence: '证据', lab: '动手验证（需要 root）', look: '观察', check: '把答案写进文件（lesson: ID, answers: {任务: 答案}），然后用下面的命令评分' },
};

/** Chinese text takes the full-width colon. */
export const COLON: Record<Lang, string> = { en: ': ', zh: '：' };

export const LEVEL_ZH: Record<string, string> = { beginner: '入门', intermediate: '中级', advanced: '高级' };

export function choiceText(c: Choice, lang: Lang): string {
  return c.label ? c.label[lang] : answerText(c.value, lang);
}

export function lessonHeader(l: Lesson, lang: Lang): string {
  const t = L[lang];
  const level = lang === 'zh' ? LEVEL_ZH[l.level]! : l.level;
  const c = COLON[lang];
  return `${l.title[lang]}\n${'='.repeat(Math.min(72, l.title[lang].length * (lang === 'zh' ? 2 : 1)))}\n${t.level}${c}${level} · ${l.minutes} ${t.minutes} · ${t.topics}${c}${l.topics.join(', ')} · ${t.cluster}${c}${l.topology.shown.join(' + ')}\n\n${l.text[lang].trimEnd()}\n`;
}

export function questionText(l: Lesson, task: Task, i: number, lang: Lang): string {
  const t = L[lang];
  let s = `${t.task} ${i + 1}/${l.tasks.length} [${task.id}]${COLON[lang]}${task.question[lang].trimEnd()}\n`;
  if (task.topology) {
    const [open, comma, close] = lang === 'zh' ? ['（', '，', '）'] : ['(', ', ', ')'];
    const steps = task.topology.steps ? `${comma}${t.steps}${COLON[lang]}${task.topology.steps.shown}` : '';
    s += `  ${open}${t.cluster}${COLON[lang]}${task.topology.shown.join(' + ')}${steps}${close}\n`;
  }
  return s;
}

export function labText(l: Lesson, lang: Lang): string {
  if (!l.lab) return '';
  const t = L[lang];
  let s = `\n${t.lab}\n${l.lab.text[lang].trimEnd()}\n`;
  for (const c of l.lab.commands) s += `  $ ${c.run}\n      ${t.look}${COLON[lang]}${c.look[lang].trimEnd()}\n`;
  return s;
}

export function printLesson(l: Lesson, lang: Lang): string {
  const t = L[lang];
  let s = lessonHeader(l, lang) + '\n';
  l.tasks.forEach((task, i) => {
    s += questionText(l, task, i, lang);
    if (task.choices) s += task.choices.map((c, j) => `  ${j + 1}) ${choiceText(c, lang)}\n`).join('');
    s += `  ${t.evidence}${COLON[lang]}${commandFor(task.query, task.topology ?? l.topology, task.ask)}\n\n`;
  });
  s += `${t.check}${COLON[lang].trimEnd()}\n  knet lesson check ${l.id} --answers FILE\n`;
  s += labText(l, lang);
  return s;
}

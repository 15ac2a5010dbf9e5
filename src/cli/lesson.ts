// `knet lesson list|start|check|solve`: guided predict-then-check lessons on the emulated cluster.
import { Command, Option } from 'commander';
import { InputError } from '../api/errors.js';
import { answersFile, answersYAML, disagreements, feedbackLine, grade, readAnswers, solveLesson } from '../lessons/grade.js';
import { findLesson, LESSONS_DIR, readLessons } from '../lessons/load.js';
import { LANGS, type Lang } from '../lessons/model.js';
import { printLesson } from '../lessons/print.js';
import { LessonRun } from '../lessons/run.js';
import { progressText, readProgress, recordAttempt } from '../lessons/progress.js';
import { inquirerPrompter, runSession } from '../lessons/session.js';
import type { IO } from './context.js';
import { table } from './table.js';

const langOption = () => new Option('--lang <lang>', 'language of the lesson text').choices([...LANGS]).default('en');
const dirOption = () => new Option('--dir <dir>', 'directory of lesson files').default(LESSONS_DIR, 'lessons/');

export function lessonCommand(io: IO): Command {
  const cmd = new Command('lesson').description('guided lessons: predict what the network does, then check it against knet');

  cmd
    .command('list')
    .description('the lessons, with your progress')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(langOption())
    .addOption(dirOption())
    .action((o: { output: string; lang: Lang; dir: string }) => {
      const lessons = readLessons(o.dir);
      const progress = readProgress();
      if (o.output === 'json') {
        const rows = lessons.map((l) => ({ id: l.id, title: l.title, topics: l.topics, level: l.level, minutes: l.minutes, progress: progress[l.id] ?? null }));
        io.out(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      io.out(table(['ID', 'LEVEL', 'MINUTES', 'PROGRESS', 'TOPICS', 'TITLE'], lessons.map((l) => [l.id, l.level, String(l.minutes), progressText(progress[l.id]), l.topics.join(','), l.title[o.lang]])));
    });

  cmd
    .command('start')
    .description('run a lesson: in a terminal, question by question with a hop-by-hop step-through; otherwise print it whole')
    .argument('<id>', 'lesson id (knet lesson list)')
    .addOption(langOption())
    .addOption(dirOption())
    .action(async (id: string, o: { lang: Lang; dir: string }) => {
      const lesson = findLesson(id, o.dir);
      if (!(process.stdin.isTTY && process.stdout.isTTY)) {
        io.out(printLesson(lesson, o.lang));
        return;
      }
      const solved = await solveLesson(lesson);
      for (const w of disagreements(lesson, solved)) io.err(`${w}\n`);
      const right = await runSession(lesson, solved, o.lang, inquirerPrompter, io.out);
      recordAttempt(lesson.id, right, solved.length);
    });

  cmd
    .command('check')
    .description('grade an answers file: one line per task; exit 0 only when every answer is right')
    .argument('<id>', 'lesson id')
    .requiredOption('--answers <file>', 'YAML or JSON: lesson: ID, answers: {TASK: ANSWER}')
    .addOption(langOption())
    .addOption(dirOption())
    .action(async (id: string, o: { answers: string; lang: Lang; dir: string }) => {
      const lesson = findLesson(id, o.dir);
      const answers = readAnswers(o.answers, lesson);
      const run = new LessonRun(lesson);
      const solved = await solveLesson(lesson, run);
      for (const w of [...run.warnings.map((x) => `Warning: ${x}`), ...disagreements(lesson, solved)]) io.err(`${w}\n`);
      const graded = grade(solved, answers);
      for (const g of graded) io.out(`${feedbackLine(g, lesson, o.lang)}\n`);
      const right = graded.filter((g) => g.correct).length;
      recordAttempt(lesson.id, right, graded.length);
      if (right < graded.length) throw new InputError(o.lang === 'zh' ? `${graded.length} 题中答错 ${graded.length - right} 题` : `${graded.length - right} of ${graded.length} answers are wrong`);
      io.out(o.lang === 'zh' ? `全部 ${graded.length} 题都答对了\n` : `all ${graded.length} answers are right\n`);
    });

  cmd
    .command('solve')
    .description("the lesson's answers as knet computes them, as an answers file (for teachers and CI)")
    .argument('<id>', 'lesson id')
    .addOption(dirOption())
    .action(async (id: string, o: { dir: string }) => {
      const lesson = findLesson(id, o.dir);
      const run = new LessonRun(lesson);
      const solved = await solveLesson(lesson, run);
      for (const w of [...run.warnings.map((x) => `Warning: ${x}`), ...disagreements(lesson, solved)]) io.err(`${w}\n`);
      io.out(answersYAML(answersFile(lesson, solved)));
    });
  return cmd;
}

// Every lesson solved from scratch (its clusters loaded, every task's trace, lookup or dump
// computed), three times each; the slowest lesson's median is held to the goal: a lesson runs
// offline in a few seconds.
import { solveLesson } from '../src/lessons/grade.js';
import { readLessons } from '../src/lessons/load.js';
import { line, median, ms, peakRssMB } from './report.js';

const RUNS = 3;
const results: { id: string; median: number }[] = [];
for (const lesson of readLessons()) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const solved = await solveLesson(lesson);
    times.push(ms(t0));
    if (solved.some((s) => !s.authorAgrees)) throw new Error(`lesson ${lesson.id}: a written answer disagrees with knet (run npx ava test/lessons/)`);
  }
  results.push({ id: lesson.id, median: median(times) });
  line(`  ${lesson.id} (${lesson.tasks.length} tasks)`, `${median(times).toFixed(0)} ms`);
}
const slowest = results.reduce((a, b) => (b.median > a.median ? b : a));
line(`slowest lesson (${slowest.id}), median of ${RUNS}`, `${(slowest.median / 1000).toFixed(2)} s`, { ok: slowest.median < 3000, text: '< 3 s' });
line('all lessons, one run each (sum of medians)', `${(results.reduce((s, r) => s + r.median, 0) / 1000).toFixed(2)} s`);
line('peak RSS', `${peakRssMB().toFixed(0)} MB`, { ok: peakRssMB() < 512, text: '< 512 MB' });

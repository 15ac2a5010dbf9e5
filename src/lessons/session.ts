// `knet lesson start` in a terminal: the story, each question with an answer prompt, feedback and
// the explanation, then a step-through of the evidence — hop by hop through the trace (and its
// reply), the rules met on a hop, an explanation of any step.
import { input, select } from '@inquirer/prompts';
import { stepLine } from '../dataplane/render.js';
import type { Hop, PathResult } from '../dataplane/types.js';
import { ASKS } from './asks.js';
import { answerText, sameAnswer } from './answers.js';
import { commandFor, evidenceText } from './evidence.js';
import { explainStep } from './explain.js';
import type { Lang, Lesson } from './model.js';
import { choiceText, COLON, labText, lessonHeader, questionText } from './print.js';
import type { Solved } from './grade.js';

/** The two prompts a session needs (inquirer's in a terminal). */
export interface Prompter {
  choose<T>(message: string, choices: { name: string; value: T }[]): Promise<T>;
  ask(message: string): Promise<string>;
}

export const inquirerPrompter: Prompter = {
  choose: (message, choices) => select({ message, choices, pageSize: 12 }),
  ask: (message) => input({ message }),
};

const M = {
  en: {
    answer: 'Your answer',
    right: '✓ Right',
    wrong: (a: string) => `✗ Not quite — knet computes: ${a}`,
    why: 'Why',
    next: 'next hop',
    prev: 'previous hop',
    rules: 'show the rules met on this hop',
    explain: 'explain a step',
    done: 'done with this trace',
    which: 'Explain which step?',
    path: 'Step through which path?',
    noRules: '(no netfilter rule on this hop)',
    end: 'last hop',
    score: (r: number, n: number) => `You got ${r} of ${n} right.`,
    evidence: 'Evidence',
    reply: 'reply',
  },
  zh: {
    answer: '你的答案',
    right: '✓ 正确',
    wrong: (a: string) => `✗ 不对 —— knet 算出的是：${a}`,
    why: '原因',
    next: '下一跳',
    prev: '上一跳',
    rules: '显示这一跳匹配的规则',
    explain: '解释某一步',
    done: '结束这次追踪',
    which: '解释哪一步？',
    path: '逐跳查看哪条路径？',
    noRules: '（这一跳没有 netfilter 规则）',
    end: '最后一跳',
    score: (r: number, n: number) => `共 ${n} 题，答对 ${r} 题。`,
    evidence: '证据',
    reply: '回包',
  },
};

interface Stop {
  label: string;
  hop: Hop;
}

function stops(p: PathResult, lang: Lang): Stop[] {
  const fwd = p.hops.map((hop, i) => ({ label: `hop ${i + 1}/${p.hops.length}`, hop }));
  const back = (p.reply?.hops ?? []).map((hop, i, a) => ({ label: `${M[lang].reply} hop ${i + 1}/${a.length}`, hop }));
  return [...fwd, ...back];
}

function hopText(s: Stop): string {
  return `${s.label}  ${s.hop.node}${s.hop.netns === 'root' ? '' : `  ${s.hop.netns}`}\n${s.hop.steps.map((x) => `${stepLine(x)}\n`).join('')}`;
}

/** Hop by hop through one path: next/previous, rules met, explain a step. */
async function stepThrough(p: PathResult, lang: Lang, pr: Prompter, out: (s: string) => void): Promise<void> {
  const m = M[lang];
  const all = stops(p, lang);
  let i = 0;
  out(hopText(all[0]!));
  for (;;) {
    const action = await pr.choose(`${all[i]!.label}`, [
      { name: i < all.length - 1 ? m.next : `${m.next} (${m.end})`, value: 'next' },
      { name: m.prev, value: 'prev' },
      { name: m.rules, value: 'rules' },
      { name: m.explain, value: 'explain' },
      { name: m.done, value: 'done' },
    ]);
    if (action === 'done') return;
    if (action === 'next' || action === 'prev') {
      i = action === 'next' ? Math.min(all.length - 1, i + 1) : Math.max(0, i - 1);
      out(hopText(all[i]!));
    } else if (action === 'rules') {
      const nf = all[i]!.hop.steps.filter((s) => s.kind === 'netfilter' || s.kind === 'policy');
      out(nf.length ? nf.map((s) => `${stepLine(s)}\n`).join('') : `${m.noRules}\n`);
    } else {
      const steps = all[i]!.hop.steps;
      const k = await pr.choose(m.which, steps.map((s, j) => ({ name: stepLine(s).split('\n')[0]!.trim().slice(0, 72), value: j })));
      out(`${explainStep(steps[k]!, lang)}\n`);
    }
  }
}

/** Runs the whole lesson; returns how many answers were right. */
export async function runSession(lesson: Lesson, solved: Solved[], lang: Lang, pr: Prompter, out: (s: string) => void): Promise<number> {
  const m = M[lang];
  out(lessonHeader(lesson, lang) + '\n');
  let right = 0;
  for (const [i, s] of solved.entries()) {
    const task = s.task;
    out(questionText(lesson, task, i, lang));
    const given = task.choices
      ? await pr.choose(m.answer, task.choices.map((c) => ({ name: choiceText(c, lang), value: c.value as unknown })))
      : await pr.ask(m.answer);
    const ok = sameAnswer(ASKS[task.ask.name]!, s.computed, given);
    if (ok) right++;
    out(`${ok ? m.right : m.wrong(answerText(s.computed, lang))}\n${m.why}${COLON[lang]}${task.explain[lang].trimEnd()}\n`);
    out(`${m.evidence}${COLON[lang]}${commandFor(task.query, task.topology ?? lesson.topology, task.ask)}\n`);
    const r = s.result;
    if (r.kind === 'trace') {
      let p = r.trace.paths[0]!;
      if (r.trace.paths.length > 1) {
        p = await pr.choose(m.path, r.trace.paths.map((x, j) => ({ name: `${j + 1}: p=${Number(x.probability.toFixed(6))} -> ${x.endpoint} ${x.verdict}${x.receiver ? ` ${x.receiver}` : ''}`, value: x })));
      }
      out(`verdict  ${p.verdict}: ${p.reason}\n`);
      await stepThrough(p, lang, pr, out);
    } else out(evidenceText(task, r, lang));
    out('\n');
  }
  out(`${m.score(right, solved.length)}\n`);
  out(labText(lesson, lang));
  return right;
}

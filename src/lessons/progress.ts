// Per-user progress: one small JSON file under the user's state directory
// ($XDG_STATE_HOME/knet/lessons.json, else ~/.local/state/knet/lessons.json).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError } from '../api/errors.js';

export interface LessonProgress {
  /** Tasks answered right in the best attempt, and how many there are. */
  best: number;
  tasks: number;
  attempts: number;
  /** Whether an attempt got every task right. */
  done: boolean;
}

export type Progress = Record<string, LessonProgress>;

export function progressFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'knet', 'lessons.json');
}

export function readProgress(file = progressFile()): Progress {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Progress;
  } catch {
    // fall through to the error below
  }
  throw new InputError(`${file}: not a knet progress file (a JSON mapping); remove it to start afresh`);
}

/** Records one graded attempt; the best score is kept. */
export function recordAttempt(id: string, right: number, tasks: number, file = progressFile()): LessonProgress {
  const all = readProgress(file);
  const prev = all[id];
  const p: LessonProgress = {
    best: Math.max(prev?.best ?? 0, right),
    tasks,
    attempts: (prev?.attempts ?? 0) + 1,
    done: (prev?.done ?? false) || right === tasks,
  };
  all[id] = p;
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename, so a crash never leaves half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(all, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  return p;
}

export function progressText(p: LessonProgress | undefined): string {
  if (!p) return '-';
  return p.done ? `done ${p.best}/${p.tasks}` : `${p.best}/${p.tasks}`;
}

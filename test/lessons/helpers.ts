// Shared by the lesson tests: a private progress directory, strict golden files, wrong answers.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ASKS } from '../../src/lessons/asks.js';
import { sameAnswer } from '../../src/lessons/answers.js';
import type { Answer, Task } from '../../src/lessons/model.js';

/** Progress goes to a temp state dir, never the user's. */
export function privateState(): string {
  const dir = mkdtempSync(join(tmpdir(), 'knet-lessons-'));
  process.env.XDG_STATE_HOME = dir;
  return dir;
}

const GOLDEN = join(import.meta.dirname, 'golden');

/** A golden file: missing fails; `UPDATE_GOLDEN=1 npx ava test/lessons/` writes them (review the diff). */
export function golden(name: string, actual: string): string {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`golden file test/lessons/golden/${name} is missing (UPDATE_GOLDEN=1 npx ava test/lessons/ writes it)`);
  return readFileSync(file, 'utf8');
}

/** An answer that is not the computed one: another choice if there are choices, else a changed value. */
export function wrongAnswer(task: Task, computed: Answer): Answer {
  const other = task.choices?.map((c) => c.value).find((v) => !sameAnswer(ASKS[task.ask.name]!, computed, v));
  if (other !== undefined) return other;
  if (typeof computed === 'number') return computed + 1;
  if (typeof computed === 'boolean') return !computed;
  if (Array.isArray(computed)) return computed.length ? computed.slice(1) : ['k8s-node1 eth0'];
  return `${computed}-not`;
}

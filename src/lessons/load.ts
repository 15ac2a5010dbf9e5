// Reads lesson files (lessons/*.yaml): every field checked, a mistake reported on one line with
// file, line and field. Which asks exist, and which queries they read, comes from asks.ts.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../api/errors.js';
import { Fields } from '../topology/fields.js';
import type { Path } from '../topology/problems.js';
import { Problems } from '../topology/problems.js';
import { TOPOLOGIES_DIR } from '../topology/load.js';
import { parseFile } from '../topology/source.js';
import { readSteps } from '../topology/steps.js';
import { ASKS } from './asks.js';
import { LANGS, LEVELS, type Answer, type Ask, type Choice, type LabCommand, type Lesson, type Query, type Task, type Text, type TopologyRef } from './model.js';

const here = dirname(fileURLToPath(import.meta.url));
/** lessons/ beside src/ (or beside dist/ once compiled). */
export const LESSONS_DIR = join(here, '..', '..', 'lessons');
const REPO = join(LESSONS_DIR, '..');

const QUERY_KINDS = ['trace', 'connections', 'resolve', 'resolvConf', 'rules', 'ipvs', 'nftables', 'object', 'addresses'] as const;
const TASK_KEYS = new Set(['id', 'question', 'ask', 'answer', 'choices', 'explain', 'topology', 'steps', ...QUERY_KINDS]);
const LESSON_KEYS = new Set(['apiVersion', 'kind', 'id', 'title', 'text', 'topics', 'level', 'minutes', 'topology', 'tasks', 'lab']);

function text(f: Fields, o: unknown, path: Path): Text {
  const m = f.map(o, path) ?? f.fail(path, 'Required value: a mapping with en and zh');
  for (const k of Object.keys(m)) if (!(LANGS as readonly string[]).includes(k)) f.fail([...path, k], `unknown language (want ${LANGS.join(', ')})`);
  return { en: f.string(o, [...path, 'en'], true)!, zh: f.string(o, [...path, 'zh'], true)! };
}

function topologyRef(f: Fields, o: unknown, path: Path, lessonFile: string): TopologyRef {
  const v = f.at(o, path);
  const names = typeof v === 'string' ? [v] : Array.isArray(v) ? v : f.fail(path, 'want a shipped topology name (kubeadm-3node) or a file path, or a list of them');
  const files: string[] = [];
  const shown: string[] = [];
  names.forEach((n, i) => {
    const p = typeof v === 'string' ? path : [...path, i];
    if (typeof n !== 'string' || !n) f.fail(p, `must be a string, got ${JSON.stringify(n)}`);
    const file = n.includes('/') ? resolve(dirname(lessonFile), n) : join(TOPOLOGIES_DIR, `${n}.yaml`);
    if (!existsSync(file)) f.fail(p, `${n}: no such topology (${file})`);
    files.push(file);
    shown.push(relative(REPO, file));
  });
  return { files, shown };
}

/** A steps file beside the lesson, checked now so that a mistake in it fails the lesson's load. */
function stepsRef(f: Fields, o: unknown, path: Path, lessonFile: string): NonNullable<TopologyRef['steps']> {
  const v = f.at(o, path);
  if (typeof v !== 'string' || !v.includes('/')) f.fail(path, `want a steps file's path relative to the lesson (./steps/x.yaml), got ${JSON.stringify(v)}`);
  const file = resolve(dirname(lessonFile), v as string);
  if (!existsSync(file)) f.fail(path, `${v as string}: no such steps file (${file})`);
  readSteps(file);
  return { file, shown: relative(REPO, file) };
}

function query(f: Fields, o: Record<string, unknown>, path: Path): Query {
  const present = QUERY_KINDS.filter((k) => o[k] !== undefined);
  if (present.length !== 1) f.fail(path, `a task needs exactly one query (${QUERY_KINDS.join(', ')}), got ${present.length ? present.join(', ') : 'none'}`);
  const kind = present[0]!;
  const str = (k: string, req = true): string | undefined => f.string(o, [...path, kind, k], req);
  const ns = str('namespace', false);
  switch (kind) {
    case 'trace': {
      const proto = f.oneOf(o, [kind, 'proto'], ['tcp', 'udp', 'sctp'] as const);
      const seed = f.int(o, [kind, 'seed'], 0, 2 ** 31);
      const path = str('path', false);
      return { kind, from: str('from')!, to: str('to')!, ...(ns ? { namespace: ns } : {}), allPaths: !!f.bool(o, [kind, 'allPaths']), ...(path ? { path } : {}), ...(seed !== undefined ? { seed } : {}), ...(proto ? { proto } : {}) };
    }
    case 'connections': {
      const seed = f.int(o, [kind, 'seed'], 0, 2 ** 31);
      // Seconds between connections on the simulated clock (knet trace --interval).
      const intervalMs = (f.int(o, [kind, 'intervalSeconds'], 0, 86400) ?? 1) * 1000;
      return { kind, from: str('from')!, to: str('to')!, ...(ns ? { namespace: ns } : {}), count: f.int(o, [kind, 'count'], 1, 1000, true)!, intervalMs, ...(seed !== undefined ? { seed } : {}) };
    }
    case 'resolve':
      return { kind, from: str('from')!, name: str('name')!, type: str('type', false) ?? 'A' };
    case 'resolvConf':
      return { kind, pod: str('pod')! };
    case 'rules':
    case 'ipvs':
    case 'nftables':
      return { kind, node: str('node')! };
    case 'object':
      return { kind, kind_: str('kind')!, ...(ns ? { namespace: ns } : {}), name: str('name')! };
    case 'addresses':
      return { kind, ip: str('ip')! };
  }
}

function ask(f: Fields, o: Record<string, unknown>, q: Query): Ask {
  const v = o.ask;
  let a: Ask;
  if (typeof v === 'string') a = { name: v, params: {} };
  else if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1) {
    const [name, params] = Object.entries(v)[0]!;
    if (!params || typeof params !== 'object' || Array.isArray(params)) f.fail(['ask', name], 'parameters must be a mapping');
    a = { name, params: params as Record<string, unknown> };
  } else return f.fail(['ask'], 'want an ask name (verdict) or a mapping with one ask name and its parameters');
  const def = ASKS[a.name];
  if (!def) f.fail(['ask'], `unknown ask "${a.name}" (asks: ${Object.keys(ASKS).join(', ')})`);
  if (!def.on.includes(q.kind)) f.fail(['ask'], `"${a.name}" reads a ${def.on.join(' or ')} query, not ${q.kind}`);
  const known = def.params ?? {};
  for (const k of Object.keys(a.params)) if (!(k in known)) f.fail(['ask', a.name, k], `unknown parameter of ${a.name} (parameters: ${Object.keys(known).join(', ') || 'none'})`);
  for (const [k, req] of Object.entries(known)) if (req && a.params[k] === undefined) f.fail(['ask', a.name, k], 'Required value');
  return a;
}

function answerValue(f: Fields, v: unknown, path: Path): Answer {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return f.fail(path, `want a string, number, yes/no or a list of strings, got ${JSON.stringify(v)}`);
}

function task(problems: Problems, lessonF: Fields, lesson: Record<string, unknown>, i: number, file: string, lessonTopology: TopologyRef): Task {
  const path: Path = ['tasks', i];
  const o = lessonF.map(lesson, path) ?? lessonF.fail(path, 'must be a mapping');
  const id = lessonF.string(lesson, [...path, 'id'], true)!;
  // Paths below are relative to the task so that errors still name the lesson file's lines.
  const sub = new TaskFields(problems, lessonF, path, `${lessonF.object} task ${id}`);
  for (const k of Object.keys(o)) if (!TASK_KEYS.has(k)) sub.fail([k], `unknown field (fields: ${[...TASK_KEYS].join(', ')})`);
  const q = query(sub, o, []);
  const choices = o.choices === undefined ? undefined : sub.array(o, ['choices']).map((c, j): Choice => {
    if (c && typeof c === 'object' && !Array.isArray(c)) return { value: answerValue(sub, (c as Record<string, unknown>).value, ['choices', j, 'value']), label: text(sub, o, ['choices', j, 'label']) };
    return { value: answerValue(sub, c, ['choices', j]) };
  });
  if (o.answer === undefined) sub.fail(['answer'], 'Required value: the answer the lesson expects');
  const own = o.topology !== undefined ? topologyRef(sub, o, ['topology'], file) : undefined;
  const topology = o.steps !== undefined ? { ...(own ?? lessonTopology), steps: stepsRef(sub, o, ['steps'], file) } : own;
  return {
    id,
    question: text(sub, o, ['question']),
    query: q,
    ask: ask(sub, o, q),
    answer: answerValue(sub, o.answer, ['answer']),
    ...(choices ? { choices } : {}),
    explain: text(sub, o, ['explain']),
    ...(topology ? { topology } : {}),
    where: lessonF.ref.where(path),
  };
}

/** Fields of a task: paths relative to the task, errors located in the lesson file. */
class TaskFields extends Fields {
  constructor(problems: Problems, parent: Fields, private readonly base: Path, object: string) {
    super(problems, parent.ref, object);
  }

  override fail(path: Path, message: string): never {
    return this.problems.fail(this.ref, this.object, [...this.base, ...path], message);
  }
}

function lab(f: Fields, o: unknown): Lesson['lab'] {
  if (f.map(o, ['lab']) === undefined) return undefined;
  const commands = f.array(o, ['lab', 'commands'], true).map((_, i): LabCommand => ({ run: f.string(o, ['lab', 'commands', i, 'run'], true)!, look: text(f, o, ['lab', 'commands', i, 'look']) }));
  return { text: text(f, o, ['lab', 'text']), commands };
}

export function readLessonFile(file: string): Lesson {
  const docs = parseFile(file);
  if (docs.length !== 1) throw new InputError(`${relative(process.cwd(), file) || file}: a lesson file holds one document, found ${docs.length}`);
  const { value: o, ref } = docs[0]!;
  const problems = new Problems();
  const f = new Fields(problems, ref, `Lesson ${typeof o.id === 'string' ? o.id : '<no id>'}`);
  if (o.apiVersion !== 'knet.dev/v1alpha1' || o.kind !== 'Lesson') f.fail(['kind'], 'want apiVersion: knet.dev/v1alpha1 and kind: Lesson');
  for (const k of Object.keys(o)) if (!LESSON_KEYS.has(k)) f.fail([k], `unknown field (fields: ${[...LESSON_KEYS].join(', ')})`);
  const id = f.string(o, ['id'], true)!;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) f.fail(['id'], `"${id}": want lower-case letters, digits and dashes`);
  const lessonFile = isAbsolute(file) ? file : resolve(file);
  const topology = topologyRef(f, o, ['topology'], lessonFile);
  const tasks = f.array(o, ['tasks'], true).map((_, i) => task(problems, f, o, i, ref.file, topology));
  const ids = new Set<string>();
  tasks.forEach((t, i) => {
    if (ids.has(t.id)) f.fail(['tasks', i, 'id'], `duplicate task id "${t.id}"`);
    ids.add(t.id);
  });
  const topics = f.array(o, ['topics'], true).map((t, i) => (typeof t === 'string' ? t : f.fail(['topics', i], 'must be a string')));
  const lb = lab(f, o);
  return {
    id,
    file,
    title: text(f, o, ['title']),
    text: text(f, o, ['text']),
    topics,
    level: f.oneOf(o, ['level'], LEVELS) ?? f.fail(['level'], 'Required value'),
    minutes: f.int(o, ['minutes'], 1, 240, true)!,
    topology,
    tasks,
    ...(lb ? { lab: lb } : {}),
  };
}

/** Every lesson in the directory, in file-name order (file names start with a number). */
export function readLessons(dir = LESSONS_DIR): Lesson[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new InputError(`${dir}: no such directory`);
  }
  const files = names.filter((f) => /\.ya?ml$/.test(f)).sort();
  const lessons = files.map((f) => readLessonFile(join(dir, f)));
  const seen = new Map<string, string>();
  for (const l of lessons) {
    const prev = seen.get(l.id);
    if (prev) throw new InputError(`${relative(process.cwd(), l.file)}: lesson id "${l.id}" is also used by ${relative(process.cwd(), prev)}`);
    seen.set(l.id, l.file);
  }
  return lessons;
}

export function findLesson(id: string, dir = LESSONS_DIR): Lesson {
  const all = readLessons(dir);
  const l = all.find((x) => x.id === id);
  if (!l) throw new InputError(`no lesson "${id}" (lessons: ${all.map((x) => x.id).join(', ')})`);
  return l;
}

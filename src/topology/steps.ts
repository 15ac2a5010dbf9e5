// A steps file: changes applied to a running cluster after its topology loaded, in order. Each
// step applies objects (create or replace), deletes objects, then lets the simulated clock run
// before the agents react, then sends the step's traffic — the sync sequences of kube-proxy's
// tests, faults, a lesson's "now the Service loses its endpoints", connections that fill the
// IPVS connection table.
import { readFileSync } from 'node:fs';
import { InputError } from '../api/errors.js';
import { KINDS, isKind, type AnyObject, type Kind } from '../api/types.js';
import { stepDuration } from './duration.js';
import { Fields } from './fields.js';
import { objectName } from './load.js';
import { checkObject } from './objects.js';
import { Problems } from './problems.js';
import { SourceRef, parseFile } from './source.js';
import { readStepTrace, type StepTrace } from './step-trace.js';

export interface StepDelete {
  kind: Kind;
  namespace?: string;
  name: string;
}

export interface Step {
  /** Where the step is written (file:line). */
  where: string;
  apply: AnyObject[];
  delete: StepDelete[];
  /** Simulated time to let pass before the agents react, in ms. */
  waitMs: number;
  /** Connections sent once the agents have reacted. */
  trace?: StepTrace;
}

export function readSteps(file: string, problems = new Problems()): Step[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: no such file`);
  }
  const docs = parseFile(file, text);
  if (docs.length !== 1) throw new InputError(`${file}: a steps file holds one document (kind: Steps), found ${docs.length}`);
  const { value: doc, ref } = docs[0]!;
  const f = new Fields(problems, ref, 'Steps');
  if (doc.kind !== 'Steps') f.fail(['kind'], `want "Steps" (apiVersion knet.dev/v1alpha1), got ${JSON.stringify(doc.kind)}`);
  if (typeof doc.apiVersion !== 'string' || !doc.apiVersion.startsWith('knet.dev/')) f.fail(['apiVersion'], `want "knet.dev/v1alpha1", got ${JSON.stringify(doc.apiVersion)}`);
  return f.array(doc, ['steps'], true).map((_, i) => readStep(f, doc, i, problems, ref));
}

function readStep(f: Fields, doc: Record<string, unknown>, i: number, problems: Problems, ref: SourceRef): Step {
  const at = ['steps', i];
  const s = f.at(doc, at);
  if (s === null || typeof s !== 'object' || Array.isArray(s)) f.fail(at, 'a step is a mapping with apply, delete, wait and/or trace');
  const known = new Set(['apply', 'delete', 'wait', 'trace']);
  for (const k of Object.keys(s as object)) if (!known.has(k)) f.fail([...at, k], `unknown field (a step has apply, delete, wait, trace)`);
  const apply = f.array(doc, [...at, 'apply']).map((_, j) => {
    const path = [...at, 'apply', j];
    const o = f.at(doc, path) as Record<string, unknown>;
    if (o === null || typeof o !== 'object' || Array.isArray(o)) f.fail(path, 'must be a Kubernetes object');
    const kind = typeof o.kind === 'string' ? o.kind : f.fail([...path, 'kind'], 'Required value');
    if (!isKind(kind)) f.fail([...path, 'kind'], `unknown kind "${kind}" (knows ${Object.keys(KINDS).join(', ')})`);
    return checkObject(new Fields(problems, nested(ref, path), objectName(kind, o)), o, kind);
  });
  const del = f.array(doc, [...at, 'delete']).map((_, j) => {
    const path = [...at, 'delete', j];
    const kind = f.string(doc, [...path, 'kind'], true)!;
    if (!isKind(kind)) f.fail([...path, 'kind'], `unknown kind "${kind}"`);
    const namespace = f.string(doc, [...path, 'namespace']);
    const name = f.string(doc, [...path, 'name'], true)!;
    return { kind, ...(namespace !== undefined ? { namespace } : KINDS[kind].namespaced ? { namespace: 'default' } : {}), name };
  });
  const w = f.at(doc, [...at, 'wait']);
  let waitMs = 0;
  if (w !== undefined) {
    const ms = stepDuration(w);
    if (ms === undefined) f.fail([...at, 'wait'], `want a duration like 2s, 500ms or 1m, got ${JSON.stringify(w)}`);
    waitMs = ms!;
  }
  const trace = readStepTrace(f, doc, at, ref);
  if (!apply.length && !del.length && w === undefined && !trace) f.fail(at, 'an empty step: give apply, delete, wait or trace');
  return { where: ref.where(at), apply, delete: del, waitMs, ...(trace ? { trace } : {}) };
}

/** A ref whose paths start at an object nested in the document (so its errors name the right line). */
function nested(ref: SourceRef, prefix: (string | number)[]): SourceRef {
  const r = Object.create(ref) as SourceRef;
  const line = ref.line.bind(ref);
  Object.assign(r, {
    line: (path: (string | number)[] = []) => line([...prefix, ...path]),
    where: (path: (string | number)[] = []) => {
      const l = line([...prefix, ...path]);
      return l > 0 ? `${ref.file}:${l}` : ref.file;
    },
  });
  return r;
}

// Comparing a student's answer with the computed one. The computed answer's type decides how the
// student's is read: numbers also as fractions or percentages, booleans also as yes/no (是/否),
// lists as YAML lists or comma- or space-separated text ("none" is the empty list), names without case.
import type { AskDef } from './asks.js';
import type { Answer, Lang } from './model.js';

const YES = new Set(['yes', 'y', 'true', '是', '对', '会', '有']);
const NO = new Set(['no', 'n', 'false', '否', '不', '不会', '没有', '无']);
const NONE = new Set(['none', '', '无', '没有']);

export function parseNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  let m = s.match(/^(-?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/);
  if (m) return Number(m[2]) === 0 ? undefined : Number(m[1]) / Number(m[2]);
  m = s.match(/^(-?\d+(?:\.\d+)?)\s*%$/);
  if (m) return Number(m[1]) / 100;
  return /^-?\d+(?:\.\d+)?$/.test(s) ? Number(s) : undefined;
}

function parseBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  return YES.has(s) ? true : NO.has(s) ? false : undefined;
}

function text(v: unknown, receiver: boolean): string {
  let s = String(v).trim().toLowerCase().replace(/\.$/, '');
  if (receiver) s = s.replace(/^pods?[ /]/, '').replace(/^default\//, '').replace(/^(node|ext) /, '$1/');
  return s;
}

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  const s = String(v).trim();
  if (NONE.has(s.toLowerCase())) return [];
  // Items are split at commas when there are any (an item may hold a space: `k8s-node1 kube-ipvs0`), else at spaces.
  return s.split(/[,，、]/.test(s) ? /\s*[,，、]\s*/ : /\s+/).filter(Boolean);
}

/** Whether `given` (from an answers file or a prompt) is the computed answer. */
export function sameAnswer(def: AskDef, computed: Answer, given: unknown): boolean {
  if (given === undefined || given === null) return false;
  if (typeof computed === 'number') {
    const n = parseNumber(given);
    return n !== undefined && Math.abs(n - computed) < 1e-6;
  }
  if (typeof computed === 'boolean') return parseBool(given) === computed;
  if (Array.isArray(computed)) {
    const a = list(given).map((x) => text(x, !!def.receiver));
    const b = computed.map((x) => text(x, !!def.receiver));
    if (!def.ordered) {
      a.sort();
      b.sort();
    }
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return text(given, !!def.receiver) === text(computed, !!def.receiver);
}

/** An answer as a student reads it. */
export function answerText(a: Answer, lang: Lang): string {
  if (typeof a === 'boolean') return lang === 'zh' ? (a ? '是' : '否') : a ? 'yes' : 'no';
  if (Array.isArray(a)) return a.length ? a.join(', ') : lang === 'zh' ? '无' : 'none';
  return String(a);
}

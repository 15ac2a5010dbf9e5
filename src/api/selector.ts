import type { LabelSelector, LabelSelectorRequirement } from './types.js';

type Labels = Record<string, string> | undefined;

function requirementMatches(r: LabelSelectorRequirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(labels![r.key]!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(labels![r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** metav1.LabelSelector semantics: every matchLabels pair and every expression must hold. */
export function selectorMatches(sel: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (labels?.[k] !== v) return false;
  }
  return (sel.matchExpressions ?? []).every((r) => requirementMatches(r, labels));
}

/** A Service's map selector: an empty or absent map selects nothing (no managed endpoints). */
export function mapSelectorMatches(sel: Record<string, string> | undefined, labels: Labels): boolean {
  if (!sel) return false;
  let any = false;
  for (const k in sel) {
    if (!Object.prototype.hasOwnProperty.call(sel, k)) continue;
    if (labels?.[k] !== sel[k]) return false;
    any = true;
  }
  return any;
}

/**
 * Parses kubectl's `-l` syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * joined by commas.
 */
export function parseSelector(text: string): LabelSelector {
  const exprs: LabelSelectorRequirement[] = [];
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      exprs.push({
        key: m[1]!,
        operator: m[2] === 'in' ? 'In' : 'NotIn',
        values: m[3]!.split(',').map((v) => v.trim()).filter(Boolean),
      });
    } else if ((m = p.match(/^([\w./-]+)\s*!=\s*([\w.-]*)$/))) {
      exprs.push({ key: m[1]!, operator: 'NotIn', values: [m[2]!] });
    } else if ((m = p.match(/^([\w./-]+)\s*==?\s*([\w.-]*)$/))) {
      exprs.push({ key: m[1]!, operator: 'In', values: [m[2]!] });
    } else if ((m = p.match(/^!([\w./-]+)$/))) {
      exprs.push({ key: m[1]!, operator: 'DoesNotExist' });
    } else if ((m = p.match(/^([\w./-]+)$/))) {
      exprs.push({ key: m[1]!, operator: 'Exists' });
    } else {
      throw new Error(`unable to parse requirement: "${p}"`);
    }
  }
  return { matchExpressions: exprs };
}

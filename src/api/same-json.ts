// Whether two plain values print the same JSON, without printing them: controllers compare what
// they would write with what is stored, and nearly always differ early (or share subtrees).

/** Whether two lists hold the same items (===) in the same order. */
export function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `JSON.stringify(a) === JSON.stringify(b)` for plain data (no toJSON, no cycles). */
export function sameJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return JSON.stringify(a) === JSON.stringify(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // an array prints undefined (and functions) as null
    for (let i = 0; i < a.length; i++) if (!sameJSON(a[i] === undefined ? null : a[i], b[i] === undefined ? null : b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const xs = printed(x);
  const ys = printed(y);
  if (xs.length !== ys.length) return false;
  for (let i = 0; i < xs.length; i++) if (xs[i] !== ys[i] || !sameJSON(x[xs[i]!], y[ys[i]!])) return false;
  return true;
}

/** The keys JSON.stringify prints, in its order. */
function printed(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol') out.push(k);
  }
  return out;
}

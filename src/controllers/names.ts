// Stable stand-ins for the names Kubernetes generates: the same input gives the same name on
// every run, in the alphabet Kubernetes uses for generated names.

/** k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, no confusable characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(text: string, from = 0x811c9dc5): number {
  let h = from;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** How Kubernetes turns a hash number into a label-safe string (pod-template-hash). */
export function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += ALPHANUMS[text.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** The pod-template-hash of a template: fnv32a of its canonical form, safe-encoded. */
export function templateHash(template: unknown): string {
  return safeEncode(String(fnv32a(canonicalJSON(template))));
}

/** A 5-character suffix like the ones generateName produces, derived from `seed`. */
export function suffix5(seed: string): string {
  const base = fnv32a(seed);
  let h = base;
  let out = '';
  for (let i = 0; i < 5; i++) {
    out += ALPHANUMS[h % ALPHANUMS.length];
    // fnv32a(`${seed}#${i}`), carried on from the seed's hash.
    h = Math.floor(h / ALPHANUMS.length) ^ fnv32a(`#${i}`, base);
    h >>>= 0;
  }
  return out;
}

export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + canonicalJSON(v[i]);
    return out + ']';
  }
  const o = v as Record<string, unknown>;
  let out = '{';
  for (const k of Object.keys(o).sort()) {
    if (o[k] === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + canonicalJSON(o[k]);
  }
  return out + '}';
}

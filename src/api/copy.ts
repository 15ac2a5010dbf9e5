// Shallow copies of API objects, as `{ ...o }` and `{ ...o, ...patch }` make them but property by
// property. V8 gives each copy that spread syntax makes of an object with const fields a hidden
// class of its own (measured: 100,000 pods bound by the scheduler, 100,000 classes for their
// specs), which doubles what the objects weigh and turns every later read of them megamorphic.
// Copies built by assignment share the classes of the transition tree instead.

/** `{ ...o }`: the own enumerable keys, in order (but `except`). */
export function copyOf<T extends object>(o: T, except?: string): T {
  const out = {} as Record<string, unknown>;
  for (const k in o) {
    if (k === except || !Object.prototype.hasOwnProperty.call(o, k)) continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: o[k], enumerable: true, writable: true, configurable: true });
    else out[k] = o[k];
  }
  return out as T;
}

/** `{ ...o, ...patch }`: a key already in `o` keeps its place, a new one goes last. */
export function withFields<T extends object>(o: T | undefined, patch: Partial<T>): T {
  const out = (o ? copyOf(o) : {}) as Record<string, unknown>;
  for (const k in patch) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: patch[k], enumerable: true, writable: true, configurable: true });
    else out[k] = patch[k];
  }
  return out as T;
}

import { InputError } from '../api/errors.js';
import type { SourceRef } from './source.js';

export type Path = (string | number)[];

export function pathText(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** One line: `file:line: Kind ns/name: field.path: message`. */
export function describe(ref: SourceRef, object: string, path: Path, message: string): string {
  const field = path.length ? `${pathText(path)}: ` : '';
  return `${ref.where(path)}: ${object}: ${field}${message}`;
}

/** Collects warnings; errors stop the load at once with a one-line InputError. */
export class Problems {
  readonly warnings: string[] = [];
  private readonly seen = new Set<string>();

  fail(ref: SourceRef, object: string, path: Path, message: string): never {
    throw new InputError(describe(ref, object, path, message));
  }

  warn(ref: SourceRef, object: string, path: Path, message: string): void {
    this.warnLine(describe(ref, object, path, message));
  }

  /** A warning already formatted as `file:line: …`. */
  warnLine(line: string): void {
    if (this.seen.has(line)) return;
    this.seen.add(line);
    this.warnings.push(line);
  }
}

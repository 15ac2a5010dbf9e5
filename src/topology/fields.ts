// Typed reads of untyped YAML values; every failure names the field through Problems.
import { canonicalIP, ipFamily, parseCIDR } from '../net/ip.js';
import type { Path, Problems } from './problems.js';
import type { SourceRef } from './source.js';

/** Reads fields of one document, failing with the document's file, line and object name. */
export class Fields {
  constructor(
    readonly problems: Problems,
    readonly ref: SourceRef,
    readonly object: string,
    /** Where the values handed to this reader sit in the document (see within). */
    private readonly prefix: Path = [],
  ) {}

  /**
   * A reader of the value at `path` (pass that value as the root): its paths are relative, its
   * problems name the whole path. A list's items checked this way walk only their own fields.
   */
  within(path: Path): Fields {
    return new Fields(this.problems, this.ref, this.object, this.whole(path));
  }

  private whole(path: Path): Path {
    return this.prefix.length ? [...this.prefix, ...path] : path;
  }

  fail(path: Path, message: string): never {
    return this.problems.fail(this.ref, this.object, this.whole(path), message);
  }

  warn(path: Path, message: string): void {
    this.problems.warn(this.ref, this.object, this.whole(path), message);
  }

  at(root: unknown, path: Path): unknown {
    let v = root;
    for (const k of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[k];
    }
    return v;
  }

  required(root: unknown, path: Path): unknown {
    const v = this.at(root, path);
    if (v === undefined || v === null || v === '') this.fail(path, 'Required value');
    return v;
  }

  string(root: unknown, path: Path, required = false): string | undefined {
    const v = required ? this.required(root, path) : this.at(root, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(path, `must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(root: unknown, path: Path): boolean | undefined {
    const v = this.at(root, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(path, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  int(root: unknown, path: Path, min: number, max: number, required = false): number | undefined {
    const v = required ? this.required(root, path) : this.at(root, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(path, `must be an integer, got ${JSON.stringify(v)}`);
    if (v < min || v > max) this.fail(path, `${v} must be between ${min} and ${max}, inclusive`);
    return v;
  }

  array(root: unknown, path: Path, required = false): unknown[] {
    const v = required ? this.required(root, path) : this.at(root, path);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, `must be a list, got ${JSON.stringify(v)}`);
    return v;
  }

  map(root: unknown, path: Path): Record<string, unknown> | undefined {
    const v = this.at(root, path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(path, `must be a mapping, got ${JSON.stringify(v)}`);
    return v as Record<string, unknown>;
  }

  stringMap(root: unknown, path: Path): Record<string, string> | undefined {
    const m = this.map(root, path);
    if (!m) return undefined;
    for (const [k, v] of Object.entries(m)) if (typeof v !== 'string') this.fail([...path, k], `must be a string, got ${JSON.stringify(v)}`);
    return m as Record<string, string>;
  }

  oneOf<T extends string>(root: unknown, path: Path, values: readonly T[]): T | undefined {
    const v = this.string(root, path);
    if (v === undefined) return undefined;
    if (!values.includes(v as T)) this.fail(path, `Unsupported value: "${v}": supported values: ${values.map((x) => `"${x}"`).join(', ')}`);
    return v as T;
  }

  /**
   * An IP address. Leading zeros in IPv4 octets are what kube-proxy reads (as decimal) but
   * kube-apiserver refuses: accepted with a warning.
   */
  ip(root: unknown, path: Path, required = false): string | undefined {
    const v = this.string(root, path, required);
    if (v === undefined) return undefined;
    if (ipFamily(v)) return v;
    const c = canonicalIP(v);
    if (!c) this.fail(path, `"${v}" is not a valid IP address`);
    this.warn(path, `"${v}" is not in canonical form (kube-apiserver would refuse it); read as ${c}`);
    return v;
  }

  cidr(root: unknown, path: Path, required = false): string | undefined {
    const v = this.string(root, path, required);
    if (v === undefined) return undefined;
    if (!parseCIDR(v)) {
      const c = parseCIDR(v, true);
      if (!c) this.fail(path, `"${v}" is not a valid CIDR`);
      this.warn(path, `"${v}" is not in canonical form (kube-apiserver would refuse it); read as ${c.address}/${c.prefix}`);
    }
    return v;
  }
}

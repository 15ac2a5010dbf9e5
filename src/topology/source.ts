import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML, { LineCounter, isMap, isSeq, type Node as YamlNode } from 'yaml';
import { InputError } from '../api/errors.js';

/** Where an object came from, so every later error can name file, line and field. */
export class SourceRef {
  constructor(
    readonly file: string,
    private readonly node: YamlNode | null,
    private readonly lc: LineCounter | null,
  ) {}

  /** Line of the deepest node along `path` that exists (the object's own line otherwise). */
  line(path: (string | number)[] = []): number {
    if (!this.node || !this.lc) return 0;
    let node: YamlNode = this.node;
    for (const key of path) {
      if (!isMap(node) && !isSeq(node)) break;
      const next = (node as { get(k: unknown, keep: true): unknown }).get(key, true) as YamlNode | undefined;
      if (!next || typeof next !== 'object' || !('range' in next)) break;
      node = next;
    }
    const off = node.range?.[0] ?? 0;
    return this.lc.linePos(off).line;
  }

  where(path: (string | number)[] = []): string {
    const l = this.line(path);
    return l > 0 ? `${this.file}:${l}` : this.file;
  }

  static synthetic(what: string): SourceRef {
    return new SourceRef(what, null, null);
  }
}

export interface SourceDoc {
  value: Record<string, unknown>;
  ref: SourceRef;
  /** Keys written twice in one mapping (kubectl keeps the last value): where, and which. */
  duplicates?: DuplicateKey[];
}

export interface DuplicateKey {
  line: number;
  firstLine: number;
  path: (string | number)[];
}

/** Every key that repeats within a mapping under `node`, with the path to it. */
function duplicateKeys(node: YamlNode | null, lc: LineCounter, path: (string | number)[] = [], out: DuplicateKey[] = []): DuplicateKey[] {
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const k = pair.key as YamlNode | null;
      const name = k && 'value' in k ? String((k as { value: unknown }).value) : String(k);
      const line = lc.linePos(k?.range?.[0] ?? 0).line;
      const first = seen.get(name);
      if (first !== undefined) out.push({ line, firstLine: first, path: [...path, name] });
      else seen.set(name, line);
      duplicateKeys(pair.value as YamlNode | null, lc, [...path, name], out);
    }
  } else if (isSeq(node)) node.items.forEach((item, i) => duplicateKeys(item as YamlNode | null, lc, [...path, i], out));
  return out;
}

const YAML_EXT = /\.(ya?ml|json)$/i;

/** Files named by -f: a file as is, a directory as its YAML/JSON files in name order. */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => YAML_EXT.test(f))
        .sort();
      if (files.length === 0) throw new InputError(`${p}: directory holds no .yaml, .yml or .json file`);
      out.push(...expandPaths(files.map((f) => join(p, f))));
    } else out.push(p);
  }
  return out;
}

/** Parses one file's documents; a `kind: List` becomes its items, each with its own position. */
export function parseFile(file: string, text = readFileSync(file, 'utf8')): SourceDoc[] {
  const display = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file) || file;
  const lc = new LineCounter();
  // kubectl accepts a key written twice (the last value wins); knet does too, and warns.
  const docs = YAML.parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false });
  const out: SourceDoc[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      const where = pos ? `${display}:${pos.line}:${pos.col}` : display;
      throw new InputError(`${where}: YAML syntax error: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    const contents = doc.contents as YamlNode | null;
    const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    // An empty document (between separators, after a trailing `---`, or only comments) holds nothing.
    if (contents === null || value === null || value === undefined) continue;
    const ref = new SourceRef(display, contents, lc);
    const dups = duplicateKeys(contents, lc);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(`${ref.where()}: a document must be a mapping with apiVersion and kind`);
    }
    const obj = value as Record<string, unknown>;
    if (obj.kind === 'List' && Array.isArray(obj.items)) {
      const start = out.length;
      const itemsNode = isMap(contents) ? (contents.get('items', true) as YamlNode | undefined) : undefined;
      obj.items.forEach((item, i) => {
        const node = itemsNode && isSeq(itemsNode) ? (itemsNode.items[i] as YamlNode) : contents;
        const r = new SourceRef(display, node, lc);
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          throw new InputError(`${r.where()}: List item ${i} must be a mapping with apiVersion and kind`);
        }
        const mine = dups.filter((d) => d.path[0] === 'items' && d.path[1] === i).map((d) => ({ ...d, path: d.path.slice(2) }));
        out.push({ value: item as Record<string, unknown>, ref: r, ...(mine.length ? { duplicates: mine } : {}) });
      });
      const outer = dups.filter((d) => d.path[0] !== 'items' || d.path.length < 3);
      if (outer.length && out[start]) out[start]!.duplicates = [...outer, ...(out[start]!.duplicates ?? [])];
    } else out.push({ value: obj, ref, ...(dups.length ? { duplicates: dups } : {}) });
  }
  return out;
}

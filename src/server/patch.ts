// The two standard patch formats kube-apiserver takes: JSON Patch (RFC 6902) and JSON Merge
// Patch (RFC 7386). Failures are 422s worded as kube-apiserver words them.
import { StatusError } from './status.js';

type Json = unknown;

function patchError(message: string, code = 422): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: code === 422 ? 'Invalid' : 'BadRequest', code });
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw patchError(`the server rejected our request due to an error in our request: invalid JSON pointer "${path}"`, 400);
  return path.slice(1).split('/').map(unescape);
}

function parentOf(doc: Json, tokens: string[], path: string): { parent: Record<string, Json> | Json[]; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (cur && typeof cur === 'object') cur = (cur as Record<string, Json>)[t];
    else cur = undefined;
    if (cur === undefined || cur === null || typeof cur !== 'object') throw patchError(`the server rejected our request due to an error in our request: doc is missing path: "${path}": missing value`);
  }
  return { parent: cur as Record<string, Json> | Json[], key: tokens[tokens.length - 1]! };
}

function get(doc: Json, path: string): Json {
  let cur = doc;
  for (const t of pointer(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[t === '-' ? cur.length : Number(t)] : (cur as Record<string, Json>)[t];
  }
  return cur;
}

function arrayIndex(arr: Json[], key: string, path: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw patchError(`the server rejected our request due to an error in our request: invalid array index "${key}" in "${path}"`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw patchError(`the server rejected our request due to an error in our request: doc is missing path: "${path}": missing value`);
  return i;
}

function add(doc: Json, path: string, value: Json): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: Json, path: string): Json {
  const tokens = pointer(path);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, false), 1);
  else {
    if (!(key in parent)) throw patchError(`the server rejected our request due to an error in our request: unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
  }
  return doc;
}

export function applyJSONPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw patchError('the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400);
  let doc = clone(target);
  for (const raw of ops) {
    const op = raw as { op?: string; path?: string; from?: string; value?: Json };
    const path = op.path ?? '';
    switch (op.op) {
      case 'add':
        doc = add(doc, path, clone(op.value));
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        if (get(doc, path) === undefined) throw patchError(`the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${path}: missing value`);
        doc = add(remove(doc, path), path, clone(op.value));
        break;
      case 'move': {
        const v = get(doc, op.from ?? '');
        if (v === undefined) throw patchError(`the server rejected our request due to an error in our request: doc is missing from path: ${op.from}: missing value`);
        doc = add(remove(doc, op.from ?? ''), path, v);
        break;
      }
      case 'copy': {
        const v = get(doc, op.from ?? '');
        if (v === undefined) throw patchError(`the server rejected our request due to an error in our request: doc is missing from path: ${op.from}: missing value`);
        doc = add(doc, path, clone(v));
        break;
      }
      case 'test':
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op.value)) throw patchError(`the server rejected our request due to an error in our request: testing value ${path} failed: test failed`);
        break;
      default:
        throw patchError(`the server rejected our request due to an error in our request: Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

export function isObject(v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

// Request bodies: JSON or YAML as the Content-Type says, each failure a 400/415 Status.
import YAML from 'yaml';
import { badRequest, statusError, unsupportedMediaType } from './status.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = mediaType(contentType);
  const p = PATCH_TYPES[t];
  if (!p || t.endsWith('+cbor')) {
    throw statusError(
      415,
      'UnsupportedMediaType',
      `the server rejected our request due to an error in our request: unsupported patch type "${t}": supported types are application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`,
    );
  }
  return p;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the server could not parse the request body: json parse error: ${(e as Error).message}`);
  }
}

function parseYAML(text: string): unknown {
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const err = doc.errors[0];
  if (err) throw badRequest(`the server could not parse the request body: yaml: line ${err.linePos?.[0]?.line ?? 0}: ${err.message.split('\n')[0]}`);
  return doc.toJS({ maxAliasCount: 100 });
}

/** An object body for create and update: application/json or application/yaml. */
export function objectBody(contentType: string | undefined, text: string): Record<string, unknown> {
  const t = mediaType(contentType);
  let v: unknown;
  if (t === 'application/json' || t === '') v = parseJSON(text);
  else if (t === 'application/yaml') v = parseYAML(text);
  else throw unsupportedMediaType(t);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest('the server could not parse the request body: the object provided is not a JSON object');
  return v as Record<string, unknown>;
}

/** A patch body; apply patches may be YAML, the others are JSON. */
export function patchBody(type: PatchType, text: string): unknown {
  return type === 'apply' ? parseYAML(text) : parseJSON(text);
}

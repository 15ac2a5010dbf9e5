// kube-apiserver's validation as the API answers it: knet's per-kind object checks (the ones
// topology files get), reported as a 422 Invalid Status naming the field.
import { isKind } from '../api/types.js';
import { Fields } from '../topology/fields.js';
import { checkObject } from '../topology/objects.js';
import { Problems, pathText, type Path } from '../topology/problems.js';
import { SourceRef } from '../topology/source.js';
import type { ApiObject } from './cache.js';
import type { Resource } from './resources.js';
import { invalid, type StatusCause } from './status.js';

class FieldFailure extends Error {
  constructor(
    readonly path: Path,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Stops at the first problem with its path, instead of formatting a file:line message. */
class ApiProblems extends Problems {
  override fail(_ref: SourceRef, _object: string, path: Path, message: string): never {
    throw new FieldFailure(path, message);
  }
}

function at(o: unknown, path: Path): unknown {
  let v = o;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** field.Error's wording: "Required value", "Unsupported value: …", "Invalid value: X: why". */
function cause(o: ApiObject, path: Path, detail: string): StatusCause {
  const field = pathText(path);
  if (detail.startsWith('Required value')) return { reason: 'FieldValueRequired', message: 'Required value', field };
  if (detail.startsWith('Unsupported value')) return { reason: 'FieldValueNotSupported', message: detail, field };
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(at(o, path)) ?? 'null'}: ${detail}`, field };
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws the Status kube-apiserver would answer for an invalid object; warnings are returned. */
export function validate(r: Resource, o: ApiObject): string[] {
  const name = o.metadata?.name ?? '';
  if (!name) throw invalid(r, '', [{ reason: 'FieldValueRequired', message: 'name or generateName is required', field: 'metadata.name' }]);
  if (name.length > 253 || !NAME.test(name)) {
    throw invalid(r, name, [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        field: 'metadata.name',
      },
    ]);
  }
  if (!r.storeKind || !isKind(r.kind)) return [];
  const problems = new ApiProblems();
  try {
    checkObject(new Fields(problems, SourceRef.synthetic('request'), `${r.kind} ${name}`), o as Record<string, unknown>, r.storeKind);
  } catch (e) {
    if (e instanceof FieldFailure) throw invalid(r, name, [cause(o, e.path, e.detail)]);
    throw e;
  }
  return problems.warnings.map((w) => w.replace(/^request: [^:]+: /, ''));
}

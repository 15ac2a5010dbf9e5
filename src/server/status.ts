// kube-apiserver's error bodies: metav1.Status objects with reason, code and, for validation
import type { FastifyReply } from 'fastify';
// errors, the offending fields as causes.
import type { Resource } from './resources.js';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

/** A request that fails with a Status; thrown by handlers, written by the error handler. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'StatusError';
  }

  get code(): number {
    return this.status.code;
  }
}

export function statusError(code: number, reason: string, message: string, details?: Status["details"]): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

/** `pods`, `deployments.apps`: how kube-apiserver names a resource in messages. */
export function qualified(r: Resource): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

function kindQualified(r: Resource): string {
  return r.group ? `${r.kind}.${r.group}` : r.kind;
}

export const notFound = (r: Resource, name: string) => statusError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural });

export const alreadyExists = (r: Resource, name: string) =>
  statusError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural });

export const conflict = (r: Resource, name: string) =>
  statusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(r.group ? { group: r.group } : {}), kind: r.plural },
  );

export const badRequest = (message: string) => statusError(400, 'BadRequest', message);

export const expired = (message: string) => statusError(410, 'Expired', message);

export const unsupportedMediaType = (type: string) =>
  statusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${type})`);

export const tooLarge = (limit: number) => statusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

export const resourceNotFound = () => statusError(404, 'NotFound', 'the server could not find the requested resource');

export const methodNotAllowed = (verb: string, r: Resource) => statusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb} ${qualified(r)})`);

export const timeout = (message: string) => statusError(408, 'Timeout', message);

export const internal = (message: string) => statusError(500, 'InternalError', `Internal error occurred: ${message}`);

export const unauthorized = () => statusError(401, 'Unauthorized', 'Unauthorized');

/** A validation failure: 422 with one cause per field, as field.ErrorList.ToAggregate() words it. */
export function invalid(r: Resource, name: string, causes: StatusCause[]): StatusError {
  const text = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = text.length === 1 ? text[0]! : `[${text.join(', ')}]`;
  return statusError(422, 'Invalid', `${kindQualified(r)} "${name}" is invalid: ${joined}`, { name, ...(r.group ? { group: r.group } : {}), kind: r.kind, causes });
}

export function success(r: Resource, name: string, uid?: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(r.group ? { group: r.group } : {}), kind: r.plural, ...(uid ? { uid } : {}) }, code: 200 };
}

/** A JSON response with exactly this Content-Type (a Buffer, so nothing is appended to it). */
export function sendJSON(reply: FastifyReply, code: number, body: unknown, type = 'application/json'): FastifyReply {
  return reply
    .code(code)
    .header('content-type', type)
    .send(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
}

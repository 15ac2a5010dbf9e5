/** Errors the API store raises, named after the HTTP statuses kube-apiserver answers with. */
export type ApiReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Expired';

export class ApiError extends Error {
  constructor(
    readonly reason: ApiReason,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Bad user input: one line, already naming file, line and field. Exit code 1 (2 for usage). */
export class InputError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

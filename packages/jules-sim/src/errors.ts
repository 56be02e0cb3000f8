/** Google-style API errors: `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT"}}`. */
export type GoogleStatus =
  | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'UNAVAILABLE' | 'UNIMPLEMENTED';

const CODES: Record<GoogleStatus, number> = {
  INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429, INTERNAL: 500, UNAVAILABLE: 503, UNIMPLEMENTED: 501,
};

/** An error that the HTTP layer turns into the Google error envelope. */
export class SimError extends Error {
  readonly code: number;
  readonly headers: Record<string, string>;
  constructor(readonly status: GoogleStatus, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = CODES[status];
    this.headers = headers;
  }

  /** The JSON body Google APIs send with an error. */
  body(): { error: { code: number; message: string; status: GoogleStatus } } {
    return { error: { code: this.code, message: this.message, status: this.status } };
  }
}

export const invalidArgument = (msg: string): SimError => new SimError('INVALID_ARGUMENT', msg);
export const notFound = (msg = 'Requested entity was not found.'): SimError => new SimError('NOT_FOUND', msg);
export const failedPrecondition = (msg: string): SimError => new SimError('FAILED_PRECONDITION', msg);

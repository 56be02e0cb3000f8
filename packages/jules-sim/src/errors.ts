/** Google-style API errors: `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT"}}`. */
export type GoogleStatus =
  | 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'UNAVAILABLE' | 'UNIMPLEMENTED' | 'DEADLINE_EXCEEDED';

const CODES: Record<GoogleStatus, number> = {
  INVALID_ARGUMENT: 400, FAILED_PRECONDITION: 400, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429, INTERNAL: 500, UNAVAILABLE: 503, UNIMPLEMENTED: 501, DEADLINE_EXCEEDED: 504,
};

/** One entry of `error.details`, as Google APIs send them (`@type` names the google.rpc message). */
export type ErrorDetail = { '@type': string } & Record<string, unknown>;

/** google.rpc.RetryInfo: how long the client should wait, as a protobuf Duration string (`"3s"`). */
export const retryInfo = (seconds: number): ErrorDetail => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` });

/** google.rpc.BadRequest with one field violation (the field in the request that was refused). */
export const badRequestDetail = (field: string, description: string): ErrorDetail => ({
  '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description }],
});

/** An error that the HTTP layer turns into the Google error envelope. */
export class SimError extends Error {
  readonly code: number;
  readonly headers: Record<string, string>;
  /** Why the simulator refused the request, for the request log (plan limits and load faults set it). */
  reason?: string;
  /** A session the request created although it is answered with this error (a lost create response). */
  createdSessionId?: string;
  constructor(readonly status: GoogleStatus, message: string, headers: Record<string, string> = {}, readonly details: ErrorDetail[] = []) {
    super(message);
    this.code = CODES[status];
    this.headers = headers;
  }

  /** The JSON body Google APIs send with an error (`details` only when there are some). */
  body(): { error: { code: number; message: string; status: GoogleStatus; details?: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, status: this.status, ...(this.details.length ? { details: this.details } : {}) } };
  }
}

/** INVALID_ARGUMENT, with a BadRequest field violation when the refused field is known. */
export const invalidArgument = (msg: string, field?: string): SimError =>
  new SimError('INVALID_ARGUMENT', msg, {}, field ? [badRequestDetail(field, msg)] : []);
export const notFound = (msg = 'Requested entity was not found.'): SimError => new SimError('NOT_FOUND', msg);
export const failedPrecondition = (msg: string): SimError => new SimError('FAILED_PRECONDITION', msg);

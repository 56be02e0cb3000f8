import { errorStatus, type ErrorCode, type ErrorDetails, type FieldIssue } from '@autopilot/contracts';

const WHERE = /^(body|query|param|header|cookie)\./;

/**
 * The one `details` shape (contracts' ErrorDetails, always an object) from what producers pass: a bare list of field
 * issues becomes `{ issues }`, and the shorthand `{ field: 'name' }` becomes an issue on `body.name` (`param.id` for
 * `id`; a path with its origin, `query.from`, is kept) carrying the error's message.
 */
export function normalizeDetails(details: ErrorDetails | FieldIssue[] | undefined, message: string): ErrorDetails | undefined {
  if (details === undefined) return undefined;
  if (Array.isArray(details)) return { issues: details };
  const { field, ...rest } = details;
  if (typeof field !== 'string') return details;
  const path = WHERE.test(field) ? field : field === 'id' ? 'param.id' : `body.${field}`;
  return { ...rest, issues: [...(rest.issues ?? []), { path, message }] };
}

/**
 * A failure with a machine-readable code; the HTTP layer turns it into `{"error":{code,message,details}}`.
 * `details` is always the one object shape (contracts' ErrorDetails); a list of field issues may be passed as is
 * and becomes `{ issues }`.
 */
export class AppError extends Error {
  readonly details?: ErrorDetails;
  constructor(
    readonly code: ErrorCode,
    message: string,
    details?: ErrorDetails | FieldIssue[],
  ) {
    super(message);
    this.name = 'AppError';
    this.details = normalizeDetails(details, message);
  }
  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string, id?: string) => new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (message: string, details?: ErrorDetails | FieldIssue[]) => new AppError('conflict', message, details);
export const badRequest = (message: string, details?: ErrorDetails | FieldIssue[]) => new AppError('bad_request', message, details);
export const forbidden = (message = 'This key may not do that') => new AppError('forbidden', message);

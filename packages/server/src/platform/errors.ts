import { errorStatus, type ErrorCode } from '@autopilot/contracts';

/** A failure with a machine-readable code; the HTTP layer turns it into `{"error":{code,message,details}}`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string, id?: string) => new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const badRequest = (message: string, details?: unknown) => new AppError('bad_request', message, details);
export const forbidden = (message = 'This key may not do that') => new AppError('forbidden', message);

/** An API error in GitHub's JSON shape: `{ message, documentation_url, status }` (+ `errors` on 422). */
export class GhError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { message: this.message, documentation_url: 'https://docs.github.com/rest', status: String(this.status), ...this.extra };
  }
}

export const notFound = (): GhError => new GhError(404, 'Not Found');

/** 422 "Validation Failed" naming the field, as GitHub answers a bad create/update body. */
export const invalidField = (resource: string, field: string, code = 'missing_field', message?: string): GhError =>
  new GhError(422, 'Validation Failed', { errors: [{ resource, field, code, ...(message ? { message } : {}) }] });

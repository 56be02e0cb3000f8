/** A mistake in how a command was called: exit code 2 (API errors exit 1). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The options of every command that talks to a server. */
export interface ConnectionOptions {
  url?: string;
  key?: string;
  profile?: string;
  json?: boolean;
}

import { ApiError } from '@autopilot/client';

/** An API error shown in place of content, with the server's message and a retry button. */
export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="error-box" role="alert">
      <p>
        <strong>Could not load this.</strong> {message}
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

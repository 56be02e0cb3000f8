/** What the action reports about a session, whichever way it was started. */
export interface SessionView {
  /** The orchestrator's session id (orchestrator mode) or the Jules session id (direct mode). */
  id: string;
  julesId: string;
  state: string;
  title?: string;
  prUrl?: string;
  /** The session on the Jules web app. */
  sessionUrl?: string;
  /** The session on the orchestrator's dashboard (orchestrator mode only). */
  dashboardUrl?: string;
}

/** The create was accepted but is waiting in the orchestrator's dispatcher (the Jules account's plan is full). */
export interface QueuedCreate {
  dispatchId: string;
  /** "#2 in line, waiting for a free slot ..." */
  text: string;
}

export type Started = { session: SessionView; queued?: undefined } | { session?: undefined; queued: QueuedCreate };

/**
 * A failure talking to the orchestrator or Jules. `transient` ones (network, 429, 5xx) are worth polling again;
 * the others (bad key, bad request, unknown session) end the step at once.
 */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(message: string, readonly status: number, readonly transient: boolean, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** One way of starting and following a session: through the orchestrator, or directly on the Jules API. */
export interface Backend {
  readonly kind: 'orchestrator' | 'jules';
  start(prompt: string | undefined): Promise<Started>;
  get(id: string): Promise<SessionView>;
  /** Follows a queued create: the session once it exists, an error once the dispatcher gave up, else the line text. */
  queued?(dispatchId: string): Promise<{ sessionId?: string; failed?: string; text: string }>;
}

/** Only http(s) links are shown or output; anything else Jules or GitHub might send is dropped. */
export const safeUrl = (u: unknown): string | undefined => (typeof u === 'string' && /^https?:\/\/[^\s"'<>]+$/.test(u) ? u : undefined);

import type { DispatchAccount, DispatchIntent, DispatchIntentQuery, DispatchOriginKind, UpdateDispatchLimitsBody } from '@autopilot/contracts';

/** What to create (sources in any spelling; a source without a branch gets the repository's default branch when sent). */
export interface DispatchRequestInput {
  prompt: string;
  title?: string | null;
  source?: string | null;
  startingBranch?: string | null;
  requirePlanApproval?: boolean;
  autoCreatePr?: boolean;
}

/** Keeper settings a session created from this intent gets (a template's overrides). */
export interface DispatchKeeperOverrides {
  paused?: boolean;
  holdWords?: string[];
}

export interface SubmitInput {
  /** Default: the workspace's only Jules account (400 naming `accountPath` when it has none or several). */
  accountId?: string;
  request: DispatchRequestInput;
  origin: { kind: DispatchOriginKind; id?: string | null };
  /** Unique per workspace: submitting the same key again returns the intent it made (nothing new). */
  idempotencyKey?: string;
  /** Lower is sent first (a person waiting on POST /api/sessions: 0; batches, schedules: 10; keeper recoveries: 5). */
  priority?: number;
  keeper?: DispatchKeeperOverrides;
}

/** A change of an intent on this instance (after it is stored): what batches count and publish progress from. */
export type IntentListener = (intent: DispatchIntent, workspaceId: string) => void | Promise<void>;

/**
 * The dispatcher's service: the one way a session is created (single creates, batches, schedules, keeper
 * recoveries). Intents are durable before Jules is called; the queue job per account sends them within the
 * account's limits; a crash between "Jules created it" and "we stored it" is reconciled against the account's
 * session list before any retry.
 */
export interface DispatcherService {
  /** The account an intent would go to (explicit, or the workspace's only one); 400 naming `path` otherwise. */
  resolveAccount(workspaceId: string, accountId: string | undefined, path?: string): Promise<string>;
  /** Stores one intent (queued) and wakes the account's dispatch. */
  submit(workspaceId: string, input: SubmitInput): Promise<DispatchIntent>;
  /** Stores every intent in one transaction (all or none), in order, then wakes their accounts. */
  submitMany(workspaceId: string, inputs: SubmitInput[]): Promise<DispatchIntent[]>;
  /**
   * Why a queued intent cannot go right now because of the account's plan (a slot, the daily quota, a pause), or
   * null when it is next in line for room the account has (it will be sent within moments).
   */
  heldBy(workspaceId: string, id: string): Promise<'slot' | 'daily_quota' | 'paused' | 'rate_limit' | null>;
  /** Resolves when the intent is created, failed or cancelled, or after `timeoutMs` with it as it is then. */
  waitFor(workspaceId: string, id: string, timeoutMs: number): Promise<DispatchIntent>;
  get(workspaceId: string, id: string): Promise<DispatchIntent>;
  /** Every intent of one origin (a batch's items), in submission order, with position and eta while queued. */
  byOrigin(workspaceId: string, kind: DispatchOriginKind, originId: string): Promise<DispatchIntent[]>;
  list(workspaceId: string, q: DispatchIntentQuery): Promise<{ items: DispatchIntent[]; nextCursor: string | null }>;
  /** Queued -> cancelled; 409 naming the state otherwise. */
  cancel(workspaceId: string, id: string): Promise<DispatchIntent>;
  /** Cancels every queued intent of an origin; answers how many. */
  cancelByOrigin(workspaceId: string, kind: DispatchOriginKind, originId: string): Promise<number>;
  /** Failed -> queued; 409 naming the state otherwise. */
  retry(workspaceId: string, id: string): Promise<DispatchIntent>;
  /** Queues every failed intent of an origin again; answers how many. */
  retryByOrigin(workspaceId: string, kind: DispatchOriginKind, originId: string): Promise<number>;
  accounts(workspaceId: string): Promise<DispatchAccount[]>;
  account(workspaceId: string, accountId: string): Promise<DispatchAccount>;
  updateLimits(workspaceId: string, accountId: string, body: UpdateDispatchLimitsBody): Promise<DispatchAccount>;
  /** Called on this instance after every stored change of an intent. Returns an unsubscribe. */
  onChange(listener: IntentListener): () => void;
}

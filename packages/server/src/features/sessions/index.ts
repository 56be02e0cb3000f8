import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { Loop } from '../../platform/loops';
import type { Metrics } from '../../platform/metrics';
import type { Outbound } from '../../platform/outbound';
import { createAccountsStore } from './accounts.store';
import { createAccountsService, type AccountsService, type RuntimeAccount } from './accounts.service';
import { createSessionsStore } from './sessions.store';
import { createSessionsService, type SessionsService } from './sessions.service';
import { createSyncLoop } from './sessions.loop';
import { createBoardStore } from './sessions.board.store';
import { createBoardService, type BoardService } from './sessions.board';

export { registerSessionsRoutes } from './sessions.routes';
export type { SessionsService, SessionSignature } from './sessions.service';
export type { AccountsService, RuntimeAccount } from './accounts.service';
export type { SyncReport } from './sessions.sync';
export type { BoardService } from './sessions.board';

export interface SessionsFeatureDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  secrets: SecretBox;
  instanceId: string;
  /** The configured account (JULES_API_KEY or the demo simulator), attached to `defaultWorkspaceId`. */
  runtime?: RuntimeAccount;
  defaultWorkspaceId: string;
  pollIntervalMs: number;
  archivedEveryMs?: number;
  /** Every request to a Jules base URL goes out through here (see platform/outbound). */
  outbound: Outbound;
  /** Base URL of API-added accounts that name none (JULES_API_BASE_URL). */
  defaultBaseUrl?: string;
}

export interface SessionsFeature {
  sessions: SessionsService;
  accounts: AccountsService;
  /** The board's column pages and counts (sessions.board.ts). */
  board: BoardService;
  loop: Loop;
}

/**
 * Builds the sessions feature (accounts, mirror, sync loop) and attaches the configured Jules account to the
 * default workspace. Called by main.ts; other features receive `sessions` (reads + actions) from there.
 */
export async function createSessionsFeature(deps: SessionsFeatureDeps): Promise<SessionsFeature> {
  const log = deps.log.child({ feature: 'sessions' });
  const accounts = createAccountsService({
    store: createAccountsStore(deps.db),
    secrets: deps.secrets,
    clock: deps.clock,
    log,
    bus: deps.bus,
    metrics: deps.metrics,
    runtime: deps.runtime,
    outbound: deps.outbound,
    defaultBaseUrl: deps.defaultBaseUrl,
  });
  await accounts.ensureRuntimeAccount(deps.defaultWorkspaceId);
  const store = createSessionsStore(deps.db);
  const sessions = createSessionsService({ store, accounts, bus: deps.bus, clock: deps.clock, log, archivedEveryMs: deps.archivedEveryMs });
  const loop = createSyncLoop({ sessions, store, clock: deps.clock, log, metrics: deps.metrics, instanceId: deps.instanceId, intervalMs: deps.pollIntervalMs });
  return { sessions, accounts, board: createBoardService(createBoardStore(deps.db)), loop };
}

import type { Clock } from '../../platform/clock';
import type { SecretBox } from '../../platform/crypto';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { Feature } from '../../platform/feature';
import type { ApiApp } from '../../platform/http/types';
import type { LeasedLoop } from '../../platform/loops';
import type { Metrics } from '../../platform/metrics';
import type { Outbound } from '../../platform/outbound';
import { createAccountsStore } from './accounts.store';
import { createAccountsService, type AccountsService, type RuntimeAccount } from './accounts.service';
import { createSessionsStore } from './sessions.store';
import { createSessionsService, type SessionsService } from './sessions.service';
import { createSyncLoop } from './sessions.loop';
import { createBoardStore } from './sessions.board.store';
import { createBoardService, type BoardService } from './sessions.board';
import { createSessionsFeatureService, type SessionsFeatureService } from './sessions.shared';
import { registerSessionsRoutes } from './sessions.routes';
import { createSourcesService, type SourcesService } from './sources.service';
import { createSessionsDispatchPort } from './sessions.dispatch';

export { registerSessionsRoutes } from './sessions.routes';
export { createSessionsFeatureService, type SessionsFeatureService, type UpstreamSession } from './sessions.shared';
export { createSessionsDispatchPort } from './sessions.dispatch';
export { createSourcesService } from './sources.service';
export type { SessionsService, SessionSignature } from './sessions.service';
export type { AccountsService, RuntimeAccount } from './accounts.service';
export type { SyncReport } from './sessions.sync';
export type { BoardService } from './sessions.board';
export type { SourcesService } from './sources.service';
export type { SessionsDispatchPort, AccountLoad, CreateMatch, SendError, SendOutcome } from './sessions.dispatch';

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

export interface SessionsFeature extends Feature<SessionsFeatureService> {
  /** The mirror's own service (reads, actions, sync); other features get `service`. */
  sessions: SessionsService;
  accounts: AccountsService;
  /** The board's column pages and counts (sessions.board.ts). */
  board: BoardService;
  /** The repositories Jules lists per account, cached (sources.service.ts). */
  sources: SourcesService;
  /** The sync loop (also the only entry of `loops`). */
  loop: LeasedLoop;
}

/**
 * Builds the sessions feature (accounts, mirror, board, sync loop) and attaches the configured Jules account to the
 * default workspace. Called by main.ts; other features (the keeper) receive `service` from there.
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
  const board = createBoardService(createBoardStore(deps.db));
  const sources = createSourcesService({ accounts, clock: deps.clock, log });
  return {
    service: createSessionsFeatureService(sessions, accounts, createSessionsDispatchPort({ db: deps.db, sessions, accounts, sources })),
    sessions,
    accounts,
    board,
    sources,
    loop,
    loops: [loop],
    routes: (app: ApiApp) => registerSessionsRoutes(app, { sessions, accounts, board, sources }),
  };
}

import type { Clock } from '../../platform/clock';
import type { Db } from '../../platform/db';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import { intervalLoop, type Loop } from '../../platform/loops';
import type { Metrics } from '../../platform/metrics';
import type { Feature } from '../../platform/feature';
import type { ApiApp } from '../../platform/http/types';
import { createKeeperStore } from './keeper.store';
import { createKeeperService, type KeeperService } from './keeper.service';
import { createSupervisor, type Supervisor, type TextGenerator } from './keeper.supervisor';
import { createWorkspaceKeeper, type WorkspaceKeeper } from './keeper.loop';
import type { KeeperMirror } from './keeper.mirror';
import { registerKeeperRoutes } from './keeper.routes';
import { createExternalActions, type ExternalActions } from './keeper.external';

export { registerKeeperRoutes } from './keeper.routes';
export { mirrorFromSessions, type KeeperMirror } from './keeper.mirror';
export type { KeeperService } from './keeper.service';
export type { WorkspaceKeeper, TickReport } from './keeper.loop';
export type { ExternalAction, ExternalActions, ExternalKind, ExternalOutcome } from './keeper.external';

export interface KeeperFeatureDeps {
  db: Db;
  mirror: KeeperMirror;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  instanceId: string;
  /** The LLM gateway (task 'supervisor'); without it the supervisor writes from templates. */
  llm?: TextGenerator;
  supervisor?: Supervisor;
  /** Keys the supervisor's replies must never contain (the operator's provider and Jules keys). */
  knownSecrets?: () => readonly string[];
  /** See LedgerDeps.pendingStaleMs (default 60 s: longer than one Jules call with its timeout). */
  pendingStaleMs?: number;
  /** How often new workspaces are looked for (default 10 s). */
  discoverEveryMs?: number;
  /** Called with each workspace keeper loop as it is created, so /api/health lists it. */
  onLoop?: (loop: Loop) => void;
}

export interface KeeperFeature extends Feature<KeeperService> {
  /**
   * Finds workspaces with Jules accounts and starts one keeper loop for each: the only entry of `loops` (the
   * per-workspace loops it starts are handed to `onLoop`).
   */
  loop: Loop;
  keepers: Map<string, WorkspaceKeeper>;
  /** The keeper of one workspace (created when missing; not started). */
  keeperFor(workspaceId: string): WorkspaceKeeper;
  /** Actions other features (the GitHub loop) take on sessions, through this ledger: exactly once, with a reason. */
  external: ExternalActions;
}

/** Builds the keeper: service (API side), and per-workspace loops started by a discovery loop. */
export function createKeeperFeature(deps: KeeperFeatureDeps): KeeperFeature {
  const log = deps.log.child({ feature: 'keeper' });
  const store = createKeeperStore(deps.db);
  const service = createKeeperService({ store, mirror: deps.mirror, clock: deps.clock, log, bus: deps.bus });
  const supervisor = deps.supervisor ?? createSupervisor({ llm: deps.llm, log, secrets: deps.knownSecrets });
  const actions = deps.metrics?.counter('autopilot_keeper_actions_total', 'Keeper actions by action and outcome', ['action', 'outcome']);
  const keepers = new Map<string, WorkspaceKeeper>();
  let running = false;

  function keeperFor(workspaceId: string): WorkspaceKeeper {
    let k = keepers.get(workspaceId);
    if (!k) {
      k = createWorkspaceKeeper(
        { store, mirror: deps.mirror, supervisor, bus: deps.bus, clock: deps.clock, log, instanceId: deps.instanceId, actions, pendingStaleMs: deps.pendingStaleMs ?? 60_000, service },
        workspaceId,
      );
      keepers.set(workspaceId, k);
      deps.onLoop?.(k.loop);
    }
    return k;
  }

  let unsubscribe = () => {};

  const discover = intervalLoop(
    'keeper',
    deps.discoverEveryMs ?? 10_000,
    async () => {
      for (const ws of await deps.mirror.workspaces()) {
        const fresh = !keepers.has(ws);
        const k = keeperFor(ws);
        if (fresh && running) await k.loop.start();
      }
    },
    log,
  );

  const loop: Loop = {
    name: discover.name,
    status: () => discover.status(),
    start() {
      running = true;
      // The mirror just synced: look at the sessions now rather than at the next tick (reaction latency).
      unsubscribe = deps.bus.subscribe((e) => {
        if (running && e.type === 'sessions.synced' && e.workspaceId) keepers.get(e.workspaceId)?.wake();
      });
      return discover.start();
    },
    async stop() {
      running = false;
      unsubscribe();
      await discover.stop();
      for (const k of keepers.values()) await k.loop.stop();
    },
  };
  const external = createExternalActions({ db: deps.db, store, mirror: deps.mirror, bus: deps.bus, clock: deps.clock, log, instanceId: deps.instanceId, actions, knownSecrets: deps.knownSecrets });
  return { service, keepers, keeperFor, loop, loops: [loop], external, routes: (app: ApiApp) => registerKeeperRoutes(app, { service }) };
}

import type { KeeperSettings, SessionSummary } from '@autopilot/contracts';
import { runAs, type Actor } from '../../platform/actor';
import { pool } from '../../platform/concurrency';
import { createLease } from '../../platform/db/leases';
import { leasedLoop } from '../../platform/loops';
import { decide } from './keeper.decide';
import { reconcile, runAction, toHistory, type LedgerDeps } from './keeper.ledger';
import { toKeeperActivity, toKeeperSession } from './keeper.mirror';
import { resolveNotifications } from './keeper.resolve';
import type { KeeperService } from './keeper.service';
import { CALLS_JULES, type HistoryEntry } from './keeper.types';

export interface WorkspaceKeeperDeps extends LedgerDeps {
  service: KeeperService;
  /** Sessions evaluated in parallel (default 4). */
  concurrency?: number;
}

/** Who the keeper's work runs as. */
const KEEPER_ACTOR: Actor = Object.freeze({ kind: 'keeper', id: 'keeper', name: 'keeper' });

/** What one tick did (tests and the benchmark read it). */
export interface TickReport {
  leader: boolean;
  evaluated: number;
  acted: number;
  reconciled: number;
  /** Actions put off because Jules showed the session had moved on since the mirror's view. */
  deferred: number;
  /** Notifications resolved because their cause cleared. */
  resolved: number;
}

const WAITING = new Set(['AWAITING_PLAN_APPROVAL', 'AWAITING_USER_FEEDBACK', 'PAUSED']);
const TERMINAL = new Set(['COMPLETED', 'FAILED']);
const RECENT = 30;

/** How soon a session is looked at again when nothing about it changes: fast when active, rare when terminal. */
export function cadenceFor(s: Pick<SessionSummary, 'state' | 'archived'>, st: KeeperSettings): number {
  if (s.archived || TERMINAL.has(s.state)) return st.intervals.terminalMs;
  if (WAITING.has(s.state)) return st.intervals.waitingMs;
  return st.intervals.activeMs;
}


/**
 * The keeper of one workspace. Each tick: hold the workspace's lease (one instance keeps each workspace), settle
 * rows a crash left pending, then look at the sessions that changed since last seen or whose re-check time came
 * (per-state cadence), decide, and act through the ledger. Reads the mirror only; Jules is called for actions.
 */
export function createWorkspaceKeeper(deps: WorkspaceKeeperDeps, workspaceId: string) {
  const seen = new Map<string, string>();
  const nextCheck = new Map<string, number>();
  let tickMs = 5_000;
  const lease = createLease(deps.store, { name: `keeper:${workspaceId}`, holder: deps.instanceId, clock: deps.clock, ttlMs: () => Math.max(2 * tickMs, 1_000) });
  const log = deps.log.child({ workspaceId, loop: 'keeper' });
  const ledger: LedgerDeps = {
    ...deps,
    log,
    // A tick decides on the settings it read at its start; the user may switch the keeper off or pause the
    // session meanwhile, so both are read again right before any Jules call (with the lease).
    mayAct: async (sessionId) =>
      (await lease.hold()) &&
      (await deps.service.getSettings(workspaceId)).enabled &&
      !(await deps.store.isPaused(workspaceId, sessionId)),
  };

  const lastNoted = new Map<string, string>();
  let lastSettings = '';
  /** Decisions noted in this tick, written together (flushed every 500 and when the tick ends). */
  const unwritten = new Map<string, { sessionId: string; decision: string; reason: string; at: number }>();
  async function flushDecisions(): Promise<void> {
    if (unwritten.size === 0) return;
    const rows = [...unwritten.values()];
    unwritten.clear();
    await deps.store.recordDecisions(workspaceId, rows);
  }
  /** Stores the decision when it differs from the last one stored (explainability without a write per look). */
  async function note(sessionId: string, action: string, reason: string): Promise<void> {
    const key = `${action}|${reason}`;
    if (lastNoted.get(sessionId) === key) return;
    lastNoted.set(sessionId, key);
    unwritten.set(sessionId, { sessionId, decision: action, reason, at: deps.clock.now() });
    if (unwritten.size >= 500) await flushDecisions();
  }

  // Everything a tick causes (LLM calls, session creates) is attributed to the keeper (issue #16).
  const tick = (signal?: AbortSignal): Promise<TickReport> =>
    runAs(KEEPER_ACTOR, async () => {
      try {
        return await tickNow(signal);
      } finally {
        await flushDecisions();
      }
    });

  async function tickNow(signal?: AbortSignal): Promise<TickReport> {
    const report: TickReport = { leader: false, evaluated: 0, acted: 0, reconciled: 0, deferred: 0, resolved: 0 };
    const settings = await deps.service.getSettings(workspaceId);
    tickMs = settings.intervals.tickMs;
    if (!(await lease.hold())) {
      // Another instance keeps this workspace: forget what we saw, so taking over starts from a clean view.
      seen.clear();
      nextCheck.clear();
      lastNoted.clear();
      return report;
    }
    report.leader = true;
    // Notifications follow the sessions whether or not the keeper acts (a person may approve a held plan).
    report.resolved = await resolveNotifications({ ...deps, log }, workspaceId);
    if (!settings.enabled) return report;
    // New settings (a policy change, say) may change any decision: every session is looked at again.
    const settingsSig = JSON.stringify(settings);
    if (settingsSig !== lastSettings) nextCheck.clear();
    lastSettings = settingsSig;
    // Ticks never overlap, so no row of this instance is in flight while reconciling.
    report.reconciled = await reconcile(ledger, workspaceId);
    const now = deps.clock.now();
    const signatures = await deps.mirror.signatures(workspaceId);
    const paused = await deps.store.pausedIds(workspaceId);
    const dueIds = signatures
      .filter((s) => {
        const sig = `${s.state}|${s.updateTime}|${s.archived}|${s.activityCount}|${paused.has(s.id)}`;
        const changed = seen.get(s.id) !== sig;
        seen.set(s.id, sig);
        return changed || (nextCheck.get(s.id) ?? 0) <= now;
      })
      .map((s) => s.id);
    // Sessions gone from the mirror (deleted) are forgotten, so the maps do not grow for ever.
    if (seen.size > signatures.length) {
      const live = new Set(signatures.map((s) => s.id));
      for (const id of seen.keys()) {
        if (live.has(id)) continue;
        seen.delete(id);
        nextCheck.delete(id);
      }
    }
    if (dueIds.length === 0) return report;
    // Only the due sessions are read in full (text included).
    const due = await deps.mirror.summaries(workspaceId, dueIds);
    const history = new Map<string, HistoryEntry[]>();
    for (const r of await deps.store.history(workspaceId, due.map((s) => s.id))) {
      const h = history.get(r.session_id) ?? [];
      h.push(toHistory(r));
      history.set(r.session_id, h);
    }
    await pool(due, deps.concurrency ?? 4, async (sum) => {
      if (signal?.aborted) return;
      report.evaluated++;
      nextCheck.set(sum.id, deps.clock.now() + cadenceFor(sum, settings));
      const isPaused = paused.has(sum.id);
      const h = history.get(sum.id) ?? [];
      // Sessions the keeper must never touch are decided without reading anything more.
      const skip = sum.archived || sum.deleted || isPaused;
      // COMPLETED without auto-continue needs no activities (only the no-PR alert, from the session itself), nor FAILED
      // without recovery: their activities may not even be mirrored yet (the sync defers them), and reading would fetch them.
      const readActs = !skip && !(sum.state === 'COMPLETED' && !settings.autoContinue.enabled) && !(sum.state === 'FAILED' && !settings.selfHeal.enabled);
      // The detail carries outputs (stuck evidence) and the create-time intent (plan approval, PR expected, recovery).
      const needsDetail =
        !skip &&
        ((sum.state === 'IN_PROGRESS' && settings.stuck.enabled) ||
          sum.state === 'AWAITING_PLAN_APPROVAL' ||
          // Only a repository session without a PR may need the no-PR alert (the intent says whether one was asked for).
          (sum.state === 'COMPLETED' && settings.alerts.enabled && !!sum.source && !sum.prUrl) ||
          (sum.state === 'FAILED' && settings.selfHeal.enabled));
      const s = toKeeperSession(needsDetail ? await deps.mirror.detail(workspaceId, sum.id) : sum, isPaused);
      const recent = readActs ? (await deps.mirror.recentActivities(workspaceId, sum, RECENT)).map(toKeeperActivity) : [];
      const d = decide(s, recent, settings, h, deps.clock.now());
      await note(sum.id, d.action, d.reason);
      if (d.action === 'none') return;
      if (CALLS_JULES.has(d.action)) {
        // The mirror may be behind (a poll missed, a restart waiting for the sync lease): confirm with Jules first.
        const up = await deps.mirror.upstream(workspaceId, sum.id);
        if (!up || up.state !== s.state || up.archived || up.updateTimeMs > s.updateTimeMs) {
          log.debug({ sessionId: sum.id, action: d.action, mirror: s.state, upstream: up?.state }, 'mirror behind Jules; waiting for it');
          report.deferred++;
          await note(sum.id, 'none', `${d.action} put off: Jules shows the session ${up ? `${up.state}${up.archived ? ', archived' : ''}` : 'unreadable'} while the mirror shows ${s.state}`);
          // Looked at again when the mirror changes (or at the slow cadence), not every tick.
          nextCheck.set(sum.id, deps.clock.now() + settings.intervals.terminalMs);
          return;
        }
      }
      report.acted++;
      const outcome = await runAction(ledger, workspaceId, s, d, { recent, history: h, settings });
      // Acted on: look again next tick, when the mirror shows the effect.
      if (outcome !== 'lost') nextCheck.set(sum.id, 0);
    });
    return report;
  }

  // Scheduled ticks and wake-ups share one runner so ticks never overlap; a wake during a tick runs one more.
  let busy: Promise<TickReport> | null = null;
  let rerun = false;
  function runOnce(signal?: AbortSignal): Promise<TickReport> {
    if (busy) {
      rerun = true;
      return busy;
    }
    busy = (async () => {
      try {
        let r: TickReport;
        do {
          rerun = false;
          r = await tick(signal);
        } while (rerun && !signal?.aborted);
        return r;
      } finally {
        busy = null;
      }
    })();
    return busy;
  }

  // The tick renews the lease itself (it is also run by wake-ups and tests); the loop gives it up on stop.
  const loop = leasedLoop({ name: `keeper:${workspaceId}`, intervalMs: () => tickMs, lease, renew: 'in-tick', log, workspaceId, clock: deps.clock, tick: async (signal) => void (await runOnce(signal)) });
  return {
    tick,
    /** Runs a tick now (e.g. right after the mirror synced), unless the loop is stopped. */
    wake(): void {
      if (!loop.status().running) return;
      runOnce().catch((err) => log.warn({ err }, 'keeper tick after a wake-up failed'));
    },
    loop,
  };
}
export type WorkspaceKeeper = ReturnType<typeof createWorkspaceKeeper>;

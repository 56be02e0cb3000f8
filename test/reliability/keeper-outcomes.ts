import type { LogEntry } from '@autopilot/jules-sim';

type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * Keeper settings for the process tests: act at once. The question grace period (default 10 minutes, so a watching
 * person answers first) would otherwise outlast the test; everything else keeps its production default.
 */
export const ACT_AT_ONCE = {
  enabled: true,
  intervals: { tickMs: 200, activeMs: 300, waitingMs: 300, terminalMs: 5_000 },
  approval: { policy: 'rules', maxSteps: 12 },
  answers: { enabled: true, maxPerSession: 3, answerGraceMinutes: 0 },
  stall: { enabled: false },
} as const;

/** One row of the keeper's ledger: one (session, kind, trigger), whatever happened to it. */
export interface LedgerRow { kind: string; status: string; trigger: string }

/** The Jules actions that send a message (the others approve a plan, or only record a decision). */
export const MESSAGE_KINDS = ['answer', 'nudge', 'heal', 'continue', 'recover'];

/**
 * The keeper's own ledger per Jules session id, read through the API (the orchestrator's view, not the test's):
 * every row, `hold` (a plan left for a person) and `escalate` (a question only a person may answer) included.
 */
export async function keeperLedger(api: Api): Promise<Map<string, LedgerRow[]>> {
  const julesIdOf = new Map<string, string>();
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: { items: Array<{ id: string; julesId: string }>; nextCursor: string | null } =
      await api('GET', `/api/sessions?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const s of page.items) julesIdOf.set(s.id, s.julesId);
    cursor = page.nextCursor;
  }
  const out = new Map<string, LedgerRow[]>();
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: { items: Array<LedgerRow & { sessionId: string }>; nextCursor: string | null } =
      await api('GET', `/api/keeper/logs?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const a of page.items) {
      const id = julesIdOf.get(a.sessionId) ?? a.sessionId;
      out.set(id, [...(out.get(id) ?? []), { kind: a.kind, status: a.status, trigger: a.trigger }]);
    }
    cursor = page.nextCursor;
  }
  return out;
}

/** Rows of `kinds` for a session, optionally only those in `status`. */
export const rowsOf = (ledger: Map<string, LedgerRow[]>, id: string, kinds: readonly string[], status?: string): number =>
  (ledger.get(id) ?? []).filter((r) => kinds.includes(r.kind) && (status === undefined || r.status === status)).length;

/**
 * Exactly once, per session: a ledger row is one trigger, so Jules may have received at most one request per row
 * (more = a trigger delivered twice), and at least one per row the keeper settled as `sent` (fewer = a row claiming
 * a call that never arrived). `delivered` counts what the simulator took in for that operation.
 */
export function deliveryMismatches(ledger: Map<string, LedgerRow[]>, delivered: Map<string, number>, kinds: readonly string[], ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const got = delivered.get(id) ?? 0;
    const rows = rowsOf(ledger, id, kinds);
    const sent = rowsOf(ledger, id, kinds, 'sent');
    if (got > rows || got < sent) out.push(`${id}: ${got} delivered for ${rows} ledger rows (${sent} sent) of ${kinds.join('/')}`);
  }
  return out;
}

/** Requests per session for one operation; `counted` decides which answers count (default: every request). */
export function perSession(log: readonly LogEntry[], route: string, counted: (e: LogEntry) => boolean = () => true): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of log) if (e.route === route && e.sessionId !== undefined && counted(e)) m.set(e.sessionId, (m.get(e.sessionId) ?? 0) + 1);
  return m;
}

/**
 * Actions sent where they could not belong: an approval to a session that was not awaiting one (a duplicate, or an
 * approval after a crash that had already been delivered) and anything sent to a completed session.
 */
export function misdirected(log: readonly LogEntry[]): string[] {
  return log
    .filter((e) => (e.route === 'sessions.approvePlan' && e.stateBefore !== 'AWAITING_PLAN_APPROVAL') ||
      ((e.route === 'sessions.approvePlan' || e.route === 'sessions.sendMessage') && e.stateBefore === 'COMPLETED'))
    .map((e) => `${e.route} ${e.sessionId} in ${e.stateBefore} at ${e.at} -> ${e.status}`);
}

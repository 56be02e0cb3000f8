import type { AppEvent, EventOf, NoticeLink, NotificationKind } from '@autopilot/contracts';
import type { EventBus } from '../../platform/events/bus';
import type { Logger } from '../../platform/logger';
import type { PullsService } from '../pulls';
import type { SessionsFeatureService } from '../sessions';
import type { InboxServiceImpl } from './inbox.service';
import type { InboxStore } from './inbox.store';
import type { NoticeDraft } from './inbox.types';

/** The consumer name of the center's event receipts. */
export const CONSUMER = 'inbox';

const CRITICAL_KINDS: ReadonlySet<NotificationKind> = new Set(['ci_escalated', 'heal_exhausted']);
const INFO_KINDS: ReadonlySet<NotificationKind> = new Set(['session_recovered']);
/** Severity of a keeper notification by its kind. */
export const keeperSeverity = (kind: NotificationKind) => (CRITICAL_KINDS.has(kind) ? 'critical' : INFO_KINDS.has(kind) ? 'info' : 'warning');

const sessionLink = (id: string): NoticeLink => ({ label: 'Session', href: `/sessions/${encodeURIComponent(id)}` });
const repoOf = (source: string | null | undefined) => source?.match(/^(?:sources\/)?github\/([^/]+\/[^/]+)$/)?.[1] ?? null;

export interface InboxSourcesDeps {
  bus: EventBus;
  store: InboxStore;
  service: InboxServiceImpl;
  log: Logger;
  clock: { now(): number };
  sessions: Pick<SessionsFeatureService, 'get'>;
  pulls: Pick<PullsService, 'forSession'>;
}

/**
 * Turns bus events into notifications. Every instance sees every event, so each one is first claimed (an
 * event_receipts row per consumer and event id); only the instance that inserted it acts. Text from sessions (titles)
 * is kept as plain strings: the dashboard renders it as text.
 */
export function createInboxSources(deps: InboxSourcesDeps) {
  const { service, log } = deps;
  let pending = new Set<Promise<void>>();

  const session = async (ws: string, id: string) => {
    try {
      return await deps.sessions.get(ws, id);
    } catch {
      return null;
    }
  };

  async function keeperRaised(ws: string, d: EventOf<'notification.raised'>['data']) {
    const s = d.sessionId ? await session(ws, d.sessionId) : null;
    await service.raise(ws, {
      id: d.id, ref: d.id, groupKey: `keeper:${d.id}`, source: 'keeper', kind: d.kind, severity: keeperSeverity(d.kind),
      title: d.title, body: d.body, sessionId: d.sessionId, repo: repoOf(s?.source), links: d.sessionId ? [sessionLink(d.sessionId)] : [],
    });
  }

  async function sessionChanged(ws: string, d: EventOf<'session.state_changed'>['data']) {
    if (d.to !== 'COMPLETED' && d.to !== 'FAILED') return;
    const s = await session(ws, d.id);
    const title = s?.title || s?.prompt?.slice(0, 80) || d.julesId;
    const base = { source: 'session' as const, sessionId: d.id, repo: repoOf(s?.source) };
    if (d.to === 'FAILED') {
      await service.raise(ws, { ...base, kind: 'session_failed', severity: 'warning', title: `Session failed: ${title}`, body: 'Jules reports the session failed.', links: [sessionLink(d.id)] });
      return;
    }
    let pr = s?.prUrl ?? null;
    if (!pr) pr = (await deps.pulls.forSession(ws, d.id).catch(() => []))[0]?.htmlUrl ?? null;
    const draft: NoticeDraft = pr
      ? { ...base, kind: 'session_completed', severity: 'info', title: `Session completed: ${title}`, body: `It opened ${pr}`, links: [sessionLink(d.id), { label: 'Pull request', href: pr }] }
      : { ...base, kind: 'session_completed_no_pr', severity: 'warning', title: `Session completed without a PR: ${title}`, body: 'The session finished but opened no pull request.', links: [sessionLink(d.id)] };
    await service.raise(ws, draft);
  }

  async function handle(e: AppEvent): Promise<void> {
    const ws = e.workspaceId;
    if (!ws) return;
    switch (e.type) {
      case 'notification.raised':
        return keeperRaised(ws, e.data);
      case 'notification.updated':
        await service.mirror(ws, 'keeper', e.data.all ? 'all' : e.data.ids, e.data.change, e.data.reason);
        return;
      case 'breaker.opened': {
        const d = e.data;
        const [key, what] = d.breaker === 'llm' ? [`breaker:llm:${d.providerId}:${d.model}`, `${d.provider} ${d.model}`] : [`breaker:jules:${d.accountId}`, `Jules account ${d.accountName}`];
        await service.raise(ws, { source: 'breaker', kind: 'breaker_opened', severity: 'warning', groupKey: key, title: `Circuit breaker opened: ${what}`, body: 'Calls stop for a while after repeated failures; they resume when it closes.', links: [{ label: 'Health', href: '/system' }] });
        return;
      }
      case 'breaker.closed': {
        const d = e.data;
        await service.resolveGroup(ws, d.breaker === 'llm' ? `breaker:llm:${d.providerId}:${d.model}` : `breaker:jules:${d.accountId}`, 'breaker closed');
        return;
      }
      case 'budget.threshold': {
        const d = e.data;
        const full = d.percent === 100;
        await service.raise(ws, {
          source: 'budget', kind: full ? 'budget_100' : 'budget_80', severity: full ? 'critical' : 'warning', groupKey: `budget:${d.budgetId}:${d.period}:${d.percent}`,
          title: full ? `Budget exhausted: ${d.name}` : `Budget at 80%: ${d.name}`,
          body: `$${d.spentUsd.toFixed(2)} of $${d.limitUsd.toFixed(2)} spent in ${d.period}${full ? '; calls are refused until the next period' : ''}.`,
          links: [{ label: 'Costs', href: '/costs' }],
        });
        return;
      }
      case 'batch.progress': {
        const d = e.data;
        if (d.state !== 'done') return;
        const failed = d.failed > 0;
        await service.raise(ws, {
          id: `ntc_batch_${d.id}`, source: 'batch', kind: failed ? 'batch_failed' : 'batch_finished', severity: failed ? 'warning' : 'info', groupKey: `batch:${d.id}`,
          title: failed ? `Batch finished with ${d.failed} failed of ${d.total}` : `Batch finished: ${d.created} of ${d.total} created`,
          body: `${d.created} created, ${d.failed} failed, ${d.cancelled} cancelled.`, links: [{ label: 'Batch', href: `/batches/${encodeURIComponent(d.id)}` }],
        });
        return;
      }
      case 'schedule.run': {
        const d = e.data;
        if (d.outcome === 'skipped') return;
        const links: NoticeLink[] = [{ label: 'Schedule', href: `/schedules/${encodeURIComponent(d.scheduleId)}` }];
        if (d.batchId) links.push({ label: 'Batch', href: `/batches/${encodeURIComponent(d.batchId)}` });
        const ok = d.outcome === 'ok';
        await service.raise(ws, {
          source: 'schedule', kind: ok ? 'schedule_finished' : 'schedule_failed', severity: ok ? 'info' : 'warning', groupKey: `schedule:${d.scheduleId}:${ok ? 'finished' : 'failed'}`,
          title: ok ? `Schedule ran: ${d.name}` : `Schedule failed: ${d.name}`, body: d.reason ?? (ok ? 'The run started its work.' : 'The run failed.'), links,
        });
        return;
      }
      case 'session.state_changed':
        return sessionChanged(ws, e.data);
      default:
        return;
    }
  }

  const HANDLED = new Set<string>(['notification.raised', 'notification.updated', 'breaker.opened', 'breaker.closed', 'budget.threshold', 'batch.progress', 'schedule.run', 'session.state_changed']);
  // One event at a time per instance, in bus order: a keeper notification's raise lands before its update.
  let chain: Promise<void> = Promise.resolve();
  const onEvent = (e: AppEvent) => {
    if (!HANDLED.has(e.type) || !e.workspaceId) return;
    const p = (chain = chain.then(async () => {
      try {
        if (await deps.store.claim(CONSUMER, e.id, deps.clock.now())) await handle(e);
      } catch (err) {
        log.warn({ err, eventType: e.type, eventId: e.id }, 'inbox: could not turn an event into a notification');
      }
    }));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  let unsubscribe: (() => void) | null = null;
  return {
    start() {
      unsubscribe ??= deps.bus.subscribe(onEvent);
    },
    stop() {
      unsubscribe?.();
      unsubscribe = null;
    },
    /** Resolves when every event seen so far is handled (tests, shutdown). */
    async idle(): Promise<void> {
      while (pending.size) await Promise.all([...pending]);
      pending = new Set(pending);
    },
  };
}
export type InboxSources = ReturnType<typeof createInboxSources>;

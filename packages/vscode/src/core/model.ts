import { BOARD_COLUMNS, boardColumnOf, byBoardOrder, type AppEvent, type BoardColumnId, type SessionSummary } from '@autopilot/contracts';
import type { ApiClient, Subscription, ConnectionState } from '@autopilot/client';
import { GROUPS, groupOfColumn, type GroupCounts, type GroupId } from './groups';
import { plainLine } from './text';

/** Something that needs the person, raised by a live event (not by the first load). */
export interface Attention {
  kind: 'approval' | 'input' | 'stuck' | 'failed' | 'notification';
  sessionId: string | null;
  /** Plain text (untrusted text made one safe line). */
  message: string;
}

export interface SessionsModelOptions {
  api: ApiClient;
  /** Called after every change of the model (load, live event). */
  onChange?: () => void;
  onAttention?: (a: Attention) => void;
  onConnection?: (state: ConnectionState, error?: string) => void;
  /** Reports failures of background work (a live event that needed a fetch); the model stays usable. */
  onError?: (err: unknown) => void;
}

export interface Group {
  id: GroupId;
  title: string;
  needsUser: boolean;
  sessions: SessionSummary[];
}

const ATTENTION_TEXT: Record<Exclude<Attention['kind'], 'notification'>, string> = {
  approval: 'A plan waits for your approval',
  input: 'Jules asked a question',
  stuck: 'The keeper flagged no progress',
  failed: 'The session failed',
};

/**
 * The sessions tree's model, with no dependency on VS Code: the workspace's live (not archived) sessions placed in
 * groups by the board's rules (contracts/board.ts). `load()` reads every board column from the API once; after that
 * `follow()` keeps it current from the SSE stream, event by event, fetching at most the one session an event names
 * when the model does not know it yet. A reset of the stream (events missed) loads everything again.
 */
export class SessionsModel {
  private readonly sessions = new Map<string, SessionSummary>();
  private readonly columns = new Map<string, BoardColumnId>();
  /** The keeper's newest stuck mark per session (from its ledger, then from keeper.action events). */
  private readonly marks = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private sub: Subscription | undefined;
  loaded = false;

  constructor(private readonly opts: SessionsModelOptions) {}

  /** Reads every board column and the keeper's stuck marks; replaces what the model had. */
  async load(signal?: AbortSignal): Promise<void> {
    const api = this.opts.api;
    const [pages, marks] = await Promise.all([
      Promise.all(BOARD_COLUMNS.map(async (c) => [c.id, await api.sessions.listAll({ column: c.id }, { signal })] as const)),
      // A key without keeper access sees no marks; the server's stuck column still places the sessions it lists.
      api.keeper.allLogs({ action: 'stuck' }, signal).catch(() => []),
    ]);
    this.sessions.clear();
    this.columns.clear();
    this.marks.clear();
    for (const a of marks) {
      const prev = this.marks.get(a.sessionId);
      if (!prev || prev < a.createdAt) this.marks.set(a.sessionId, a.createdAt);
    }
    for (const [column, items] of pages) {
      for (const s of items) {
        this.sessions.set(s.id, s);
        this.columns.set(s.id, column);
      }
    }
    this.loaded = true;
    this.opts.onChange?.();
  }

  /** The groups in display order, each newest update first. */
  groups(): Group[] {
    const by = new Map<GroupId, SessionSummary[]>(GROUPS.map((g) => [g.id, []]));
    for (const [id, s] of this.sessions) by.get(groupOfColumn(this.columns.get(id) ?? 'queued'))!.push(s);
    return GROUPS.map((g) => ({ id: g.id, title: g.title, needsUser: g.needsUser, sessions: by.get(g.id)!.sort(byBoardOrder) }));
  }

  counts(): GroupCounts {
    return Object.fromEntries(this.groups().map((g) => [g.id, g.sessions.length])) as GroupCounts;
  }

  get(id: string): SessionSummary | undefined {
    return this.sessions.get(id);
  }

  groupOf(id: string): GroupId | undefined {
    const c = this.columns.get(id);
    return c ? groupOfColumn(c) : undefined;
  }

  /** Follows GET /api/events until `close()`; each event updates the model in arrival order. */
  follow(): Subscription {
    this.sub?.close();
    this.sub = this.opts.api.events({
      onEvent: (e) => void this.enqueue(() => this.apply(e)),
      onReset: () => void this.enqueue(() => this.load()),
      onState: (state, info) => this.opts.onConnection?.(state, info.error?.message),
    });
    return this.sub;
  }

  close(): void {
    this.sub?.close();
    this.sub = undefined;
  }

  /** Resolves when every event received so far has been applied (tests, and commands that act then read). */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((err) => this.opts.onError?.(err));
    return this.queue;
  }

  /** Applies one live event (exported for callers that receive events another way). */
  async apply(e: AppEvent): Promise<void> {
    switch (e.type) {
      case 'session.created':
        return this.fetchOne(e.data.id);
      case 'session.state_changed':
        return this.update(e.data.id, (s) => ({ ...s, state: e.data.to }));
      case 'session.updated':
        if (e.data.archived) return this.remove(e.data.id);
        return this.update(e.data.id, (s) => ({ ...s, state: e.data.state, updateTime: e.data.updateTime > s.updateTime ? e.data.updateTime : s.updateTime }));
      case 'activity.added':
        return this.update(e.data.sessionId, (s) => {
          const at = e.data.createTime || e.at;
          return { ...s, activityCount: s.activityCount + 1, lastActivityAt: !s.lastActivityAt || at > s.lastActivityAt ? at : s.lastActivityAt };
        }, false);
      case 'session.deleted':
        return this.remove(e.data.id);
      case 'keeper.action':
        if (e.data.kind !== 'stuck') return;
        this.marks.set(e.data.sessionId, e.at);
        return this.update(e.data.sessionId, (s) => s);
      case 'notification.raised':
        this.opts.onAttention?.({ kind: 'notification', sessionId: e.data.sessionId, message: `${plainLine(e.data.title, 120)}: ${plainLine(e.data.body, 300)}` });
        return;
      case 'sessions.synced':
        // A backfill publishes no per-session events: read the columns again.
        if (e.data.backfill && (e.data.created || e.data.deleted)) return this.load();
        return;
      default:
        return;
    }
  }

  private async fetchOne(id: string): Promise<void> {
    const s = await this.opts.api.sessions.get(id);
    if (s.archived || s.deleted) return this.remove(id);
    this.place(s, true);
  }

  /** Changes a known session in place; one the model does not know yet is fetched (only it). */
  private async update(id: string, change: (s: SessionSummary) => SessionSummary, fetchUnknown = true): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return fetchUnknown ? this.fetchOne(id) : undefined;
    this.place(change(s), true);
  }

  private place(s: SessionSummary, live: boolean): void {
    const summary = toSummary(s);
    const before = this.columns.get(s.id);
    const column = boardColumnOf(summary, this.marks.get(s.id));
    this.sessions.set(s.id, summary);
    this.columns.set(s.id, column);
    const group = groupOfColumn(column);
    if (live && group !== (before && groupOfColumn(before)) && (group === 'approval' || group === 'input' || group === 'stuck' || group === 'failed')) {
      this.opts.onAttention?.({ kind: group, sessionId: s.id, message: `${ATTENTION_TEXT[group]}: ${plainLine(s.title, 120)}` });
    }
    this.opts.onChange?.();
  }

  private remove(id: string): void {
    if (!this.sessions.delete(id)) return;
    this.columns.delete(id);
    this.opts.onChange?.();
  }
}

/** Keeps only the summary's fields (a detail from GET /api/sessions/{id} carries more). */
function toSummary(s: SessionSummary): SessionSummary {
  const { id, julesId, accountId, title, prompt, state, source, startingBranch, prUrl, url, archived, deleted, createTime, updateTime, lastActivityAt, activityCount } = s;
  return { id, julesId, accountId, title, prompt, state, source, startingBranch, prUrl, url, archived, deleted, createTime, updateTime, lastActivityAt, activityCount };
}

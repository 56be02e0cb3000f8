import { z } from 'zod';
import { createTransport, type Transport, type TransportOptions } from './transport';
import { defaultCreateLimiter, type KeyedSemaphores } from './semaphore';
import {
  Activity, ActivitiesPage, Empty, Session, SessionsPage, Source, SourcesPage, activityKind, memberKind, sortableTime,
  type JulesActivity, type Session as JulesSession, type Source as JulesSource,
} from './wire';

export const JULES_BASE_URL = 'https://jules.googleapis.com/v1alpha';

export interface JulesClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  baseUrl?: string;
  /** Limits concurrent creates per API key (default: process-wide, 3 per key). */
  createLimiter?: KeyedSemaphores;
  /** How long after a session's create time a 404 on its activities is retried rather than reported (default 15 s). */
  createRaceMs?: number;
}

export interface CreateSessionInput {
  prompt: string;
  title?: string;
  /** `sources/github/{owner}/{repo}`; absent = repoless. */
  source?: string;
  startingBranch?: string;
  requirePlanApproval?: boolean;
  automationMode?: 'AUTO_CREATE_PR' | 'AUTOMATION_MODE_UNSPECIFIED';
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

interface CallOpts {
  signal?: AbortSignal;
}

const enc = encodeURIComponent;

/**
 * The production Jules API client: typed, tolerant of unknown kinds and enum values, with retries, a circuit
 * breaker, a per-key create limit and metrics (see transport.ts). Stateless apart from the breaker and a short
 * memory of the create times it saw, used to ride out the activities-404-after-create race.
 */
export function createJulesClient(opts: JulesClientOptions) {
  const t: Transport = createTransport({ ...opts, baseUrl: opts.baseUrl ?? JULES_BASE_URL });
  const limiter = (opts.createLimiter ?? defaultCreateLimiter).for(opts.apiKey);
  const raceMs = opts.createRaceMs ?? 15_000;
  const seenUnknown = new Set<string>();
  const createdAt = new Map<string, number>();

  function noteUnknown(where: string, kind: string) {
    const key = `${where}:${kind}`;
    if (seenUnknown.has(key)) return;
    seenUnknown.add(key);
    opts.log?.warn({ where, kind }, 'Jules sent a kind this client does not know; kept as raw data');
  }

  function toActivity(a: z.infer<typeof Activity>): JulesActivity {
    const k = activityKind(a);
    if (!k.known) noteUnknown('activity', k.kind);
    for (const art of a.artifacts ?? []) {
      const m = memberKind(art);
      if (!m.known) noteUnknown('artifact', m.kind);
    }
    return { ...a, kind: k.kind };
  }

  function checkSession(s: JulesSession): JulesSession {
    for (const o of s.outputs ?? []) {
      const m = memberKind(o, ['pullRequest', 'changeSet']);
      if (!m.known) noteUnknown('output', m.kind);
    }
    return s;
  }

  /** Until when a 404 on this session's activities is the create race rather than a real absence. */
  function graceUntil(sessionId: string, createTime?: string): number | undefined {
    const ours = createdAt.get(sessionId);
    const theirs = createTime ? Date.parse(createTime) : NaN;
    const from = Math.max(ours ?? -Infinity, Number.isNaN(theirs) ? -Infinity : theirs);
    return Number.isFinite(from) ? from + raceMs : undefined;
  }

  const get = <T>(op: string, path: string, schema: z.ZodType<T>, o: CallOpts & { query?: Record<string, string | number | undefined>; grace?: number } = {}) =>
    t.request({ op, method: 'GET', path, schema, query: o.query, retry: 'idempotent', signal: o.signal, notFoundGraceUntil: o.grace });
  const post = <T>(op: string, path: string, body: unknown, schema: z.ZodType<T>, retry: 'idempotent' | 'unprocessed', o: CallOpts = {}) =>
    t.request({ op, method: 'POST', path, body, schema, retry, signal: o.signal });

  const client = {
    /** The transport's breaker (state, events) and clock. */
    transport: t,

    async listSessions(o: CallOpts & { pageSize?: number; pageToken?: string; archived?: boolean } = {}): Promise<Page<JulesSession>> {
      const r = await get('sessions.list', 'sessions', SessionsPage, {
        ...o,
        query: { pageSize: o.pageSize ?? 100, pageToken: o.pageToken, filter: o.archived ? 'archived = true' : undefined },
      });
      return { items: r.sessions.map(checkSession), nextPageToken: r.nextPageToken || undefined };
    },

    /** Every page of sessions, newest first (`archived: true` = the archived ones, hidden from the default list). */
    async *sessionPages(o: CallOpts & { pageSize?: number; archived?: boolean } = {}): AsyncGenerator<Page<JulesSession>> {
      let pageToken: string | undefined;
      do {
        const page = await client.listSessions({ ...o, pageToken });
        yield page;
        pageToken = page.nextPageToken;
      } while (pageToken);
    },

    /** Every session, newest first. */
    async *sessions(o: CallOpts & { pageSize?: number; archived?: boolean } = {}): AsyncGenerator<JulesSession> {
      for await (const page of client.sessionPages(o)) yield* page.items;
    },

    getSession: async (id: string, o: CallOpts = {}) => checkSession(await get('sessions.get', `sessions/${enc(id)}`, Session, o)),

    /** Creates a session; at most `createLimiter`'s limit run at once per key. Retried only on 429/503. */
    async createSession(input: CreateSessionInput, o: CallOpts = {}): Promise<JulesSession> {
      const body: Record<string, unknown> = { prompt: input.prompt };
      if (input.title) body.title = input.title;
      if (input.source) {
        body.sourceContext = { source: input.source, ...(input.startingBranch ? { githubRepoContext: { startingBranch: input.startingBranch } } : {}) };
      }
      // false is the default; sending it explicitly without AUTO_CREATE_PR has been reported to fail on the live API.
      if (input.requirePlanApproval) body.requirePlanApproval = true;
      if (input.automationMode) body.automationMode = input.automationMode;
      const s = await limiter.run(() => post('sessions.create', 'sessions', body, Session, 'unprocessed', o));
      createdAt.set(s.id, t.clock.now());
      if (createdAt.size > 1000) createdAt.delete(createdAt.keys().next().value as string);
      return checkSession(s);
    },

    approvePlan: (id: string, o: CallOpts = {}) => post('sessions.approvePlan', `sessions/${enc(id)}:approvePlan`, {}, Empty, 'unprocessed', o).then(() => undefined),
    sendMessage: (id: string, prompt: string, o: CallOpts = {}) =>
      post('sessions.sendMessage', `sessions/${enc(id)}:sendMessage`, { prompt }, Empty, 'unprocessed', o).then(() => undefined),
    // Archive state is a flag: setting it twice is harmless, so these retry like reads.
    archive: (id: string, o: CallOpts = {}) => post('sessions.archive', `sessions/${enc(id)}:archive`, {}, Empty, 'idempotent', o).then(() => undefined),
    unarchive: (id: string, o: CallOpts = {}) => post('sessions.unarchive', `sessions/${enc(id)}:unarchive`, {}, Empty, 'idempotent', o).then(() => undefined),
    deleteSession: (id: string, o: CallOpts = {}) =>
      t.request({ op: 'sessions.delete', method: 'DELETE', path: `sessions/${enc(id)}`, schema: Empty, retry: 'idempotent', signal: o.signal }).then(() => undefined),

    /**
     * One page of a session's activities, oldest first. `createTime` (the session's) lets a 404 shortly after
     * creation be retried as the known eventual-consistency race.
     */
    async listActivities(
      sessionId: string,
      o: CallOpts & { pageSize?: number; pageToken?: string; filter?: string; createTime?: string } = {},
    ): Promise<Page<JulesActivity>> {
      const r = await get('activities.list', `sessions/${enc(sessionId)}/activities`, ActivitiesPage, {
        ...o,
        query: { pageSize: o.pageSize ?? 100, pageToken: o.pageToken, filter: o.filter },
        grace: graceUntil(sessionId, o.createTime),
      });
      return { items: r.activities.map(toActivity), nextPageToken: r.nextPageToken || undefined };
    },

    /** Every page of a session's activities, oldest first (optionally filtered, e.g. `create_time>"..."`). */
    async *activityPages(sessionId: string, o: CallOpts & { pageSize?: number; filter?: string; createTime?: string } = {}): AsyncGenerator<Page<JulesActivity>> {
      let pageToken: string | undefined;
      do {
        const page = await client.listActivities(sessionId, { ...o, pageToken });
        yield page;
        pageToken = page.nextPageToken;
      } while (pageToken);
    },

    /**
     * The activities after the newest one held, across pages. Asks for `create_time >= newest` (not `>`: several
     * activities can share a timestamp, and one created later with the same time would otherwise be lost) and
     * drops the ids already held. Without `after`, returns the whole history.
     */
    async activitiesSince(
      sessionId: string,
      o: CallOpts & { after?: { createTime: string; ids: Iterable<string> }; createTime?: string; pageSize?: number } = {},
    ): Promise<{ activities: JulesActivity[]; calls: number }> {
      const known = new Set(o.after?.ids ?? []);
      const filter = o.after ? `create_time>="${o.after.createTime}"` : undefined;
      const out: JulesActivity[] = [];
      const seen = new Set<string>();
      let calls = 0;
      for await (const page of client.activityPages(sessionId, { ...o, filter })) {
        calls++;
        for (const a of page.items) {
          if (known.has(a.id) || seen.has(a.id)) continue;
          // A server that ignores the filter must not make us re-add history.
          if (o.after && sortableTime(a.createTime) < sortableTime(o.after.createTime)) continue;
          seen.add(a.id);
          out.push(a);
        }
      }
      return { activities: out, calls };
    },

    getActivity: async (sessionId: string, activityId: string, o: CallOpts & { createTime?: string } = {}) =>
      toActivity(await get('activities.get', `sessions/${enc(sessionId)}/activities/${enc(activityId)}`, Activity, { ...o, grace: graceUntil(sessionId, o.createTime) })),

    async listSources(o: CallOpts & { pageSize?: number; pageToken?: string; filter?: string } = {}): Promise<Page<JulesSource>> {
      const r = await get('sources.list', 'sources', SourcesPage, { ...o, query: { pageSize: o.pageSize ?? 100, pageToken: o.pageToken, filter: o.filter } });
      return { items: r.sources, nextPageToken: r.nextPageToken || undefined };
    },

    /** A source by id (`github/{owner}/{repo}`) or name (`sources/github/...`); the slashes stay in the path. */
    getSource: (id: string, o: CallOpts = {}) =>
      get('sources.get', `sources/${id.replace(/^sources\//, '').split('/').map(enc).join('/')}`, Source, o),
  };
  return client;
}

export type JulesClient = ReturnType<typeof createJulesClient>;

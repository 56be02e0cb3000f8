import { z } from 'zod';
import { createTransport, type Transport, type TransportOptions } from './transport';
import { defaultCreateLimiter, type KeyedSemaphores } from './semaphore';
import { UpstreamBadRequest, UpstreamMalformed } from './errors';
import {
  Activity, ActivitiesPage, Empty, Session, SessionsPage, Source, SourcesPage, activityKind, memberKind, sortableTime,
  type JulesActivity, type Session as JulesSession, type Source as JulesSource,
} from './wire';
import { createTimeAfter, parseItems, recoverCreated, withTimes } from './client-support';

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
  /** Ids (from `id` or `name`) of malformed records skipped on this page: they exist upstream all the same. */
  skippedIds?: string[];
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
  /** Jules refused the activities filter once for this key (a 400): page without it from then on. */
  let filterUnsupported = false;

  function noteUnknown(where: string, kind: string) {
    const key = `${where}:${kind}`;
    if (seenUnknown.has(key)) return;
    seenUnknown.add(key);
    opts.log?.warn({ where, kind }, 'Jules sent a kind this client does not know; kept as raw data');
  }

  function toActivity(a: z.output<typeof Activity>): JulesActivity {
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
      const p = parseItems('sessions', r.sessions, Session, opts.log);
      return { items: p.items.map(checkSession), nextPageToken: r.nextPageToken || undefined, ...(p.skippedIds.length ? { skippedIds: p.skippedIds } : {}) };
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

    /**
     * Creates a session; at most `createLimiter`'s limit run at once per key. Retried only on 429/503. A 2xx whose
     * body cannot be read still means Jules created the session: it is recovered (client-support.ts
     * `recoverCreated`), never created a second time.
     */
    async createSession(input: CreateSessionInput, o: CallOpts = {}): Promise<JulesSession> {
      const body: Record<string, unknown> = { prompt: input.prompt };
      if (input.title) body.title = input.title;
      if (input.source) {
        body.sourceContext = { source: input.source, ...(input.startingBranch ? { githubRepoContext: { startingBranch: input.startingBranch } } : {}) };
      }
      // false is the default; sending it explicitly without AUTO_CREATE_PR has been reported to fail on the live API.
      if (input.requirePlanApproval) body.requirePlanApproval = true;
      if (input.automationMode) body.automationMode = input.automationMode;
      const sentAt = t.clock.now();
      let raw: unknown;
      let unreadable: UpstreamMalformed | undefined;
      try {
        raw = await limiter.run(() => post('sessions.create', 'sessions', body, Empty, 'unprocessed', o));
      } catch (err) {
        if (!(err instanceof UpstreamMalformed)) throw err;
        unreadable = err;
      }
      const parsed = unreadable ? undefined : Session.safeParse(raw);
      let s: JulesSession;
      if (parsed?.success) s = parsed.data;
      else {
        opts.log?.warn({ op: 'sessions.create' }, 'Jules created a session but its answer could not be read; recovering it');
        s = await recoverCreated(client, input, raw, sentAt, o, unreadable);
      }
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
      o: CallOpts & { pageSize?: number; pageToken?: string; filter?: string; createTime?: string; floor?: string } = {},
    ): Promise<Page<JulesActivity>> {
      const r = await get('activities.list', `sessions/${enc(sessionId)}/activities`, ActivitiesPage, {
        ...o,
        query: { pageSize: o.pageSize ?? 100, pageToken: o.pageToken, filter: o.filter },
        grace: graceUntil(sessionId, o.createTime),
      });
      const p = parseItems('activities', r.activities, Activity, opts.log);
      return { items: withTimes(p.items, o.floor).map(toActivity), nextPageToken: r.nextPageToken || undefined, ...(p.skippedIds.length ? { skippedIds: p.skippedIds } : {}) };
    },

    /** Every page of a session's activities, oldest first (optionally filtered, e.g. `create_time>"..."`). */
    async *activityPages(sessionId: string, o: CallOpts & { pageSize?: number; filter?: string; createTime?: string; floor?: string } = {}): AsyncGenerator<Page<JulesActivity>> {
      let pageToken: string | undefined;
      do {
        const page = await client.listActivities(sessionId, { ...o, pageToken });
        yield page;
        pageToken = page.nextPageToken;
      } while (pageToken);
    },

    /** True once Jules refused the activities filter for this client's key: later calls page without it. */
    get activityFilterUnsupported(): boolean {
      return filterUnsupported;
    },

    /**
     * The activities after the newest one held, across pages, filtered in the form Google's SDK sends
     * (`create_time>"<RFC 3339>"`, see `createTimeAfter`); ids already held are dropped. A 400 to the filter (an API
     * without it) falls back to plain paging, remembered for this client, i.e. this account. Without `after`,
     * returns the whole history.
     */
    async activitiesSince(
      sessionId: string,
      o: CallOpts & { after?: { createTime: string; ids: Iterable<string> }; createTime?: string; pageSize?: number } = {},
    ): Promise<{ activities: JulesActivity[]; calls: number }> {
      const known = new Set(o.after?.ids ?? []);
      let calls = 0;
      const walk = async (filter: string | undefined) => {
        const out: JulesActivity[] = [];
        const seen = new Set<string>();
        for await (const page of client.activityPages(sessionId, { ...o, filter, floor: o.after?.createTime })) {
          calls++;
          for (const a of page.items) {
            if (known.has(a.id) || seen.has(a.id)) continue;
            // A server that ignores the filter, or paging without one, must not make us re-add history.
            if (o.after && sortableTime(a.createTime) < sortableTime(o.after.createTime)) continue;
            seen.add(a.id);
            out.push(a);
          }
        }
        return out;
      };
      const filter = o.after && !filterUnsupported ? createTimeAfter(o.after.createTime) : undefined;
      try {
        return { activities: await walk(filter), calls };
      } catch (err) {
        if (!filter || !(err instanceof UpstreamBadRequest)) throw err;
        filterUnsupported = true;
        opts.log?.warn({ op: 'activities.list', status: err.status ?? null }, 'Jules refused the activities filter; paging without it from now on');
        return { activities: await walk(undefined), calls };
      }
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

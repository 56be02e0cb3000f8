import { randomUUID } from 'node:crypto';
import { EventEnvelopes, NoticeQuery, type AppEvent, type EventType, type PullRequest, type SessionDetail } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { createMemoryBus, type EventBus } from '../../platform/events/bus';
import { createLogger } from '../../platform/logger';
import { createTestDb, type TestDb } from '../../platform/db/testing';
import { createInboxFeature, type InboxFeature } from './index';

/** A manual clock: time moves only when a test says so. */
export function manualClock(start = Date.parse('2026-12-02T10:00:00.000Z')) {
  let now = start;
  const clock: Clock & { advance(ms: number): void; set(ms: number): void } = {
    now: () => now,
    sleep: async () => {},
    advance: (ms) => void (now += ms),
    set: (ms) => void (now = ms),
  };
  return clock;
}

/** What the center's keeper port was asked to do. */
export interface KeeperCall {
  workspaceId: string;
  id: string;
  patch: { read?: boolean; dismissed?: boolean };
}

/** A list query as the route hands it to the service (the contract's defaults filled in: view inbox, limit 50). */
export const query = (q: Partial<NoticeQuery> = {}): NoticeQuery => NoticeQuery.parse(q);

/**
 * A test rig: a fresh database of the engine with two workspaces, one real memory bus recording every event, a
 * manual clock, stand-ins for the keeper port, the sessions and the pulls, and `instance()` to build an inbox feature
 * (call it twice for two instances on one database and one bus). Suites share one rig and take a fresh
 * `workspace()` per test, so counts and lists of one test never see another's notices.
 */
export async function createInboxRig(engine: 'sqlite' | 'postgres') {
  const t: TestDb = await createTestDb(engine);
  const clock = manualClock();
  const bus: EventBus = createMemoryBus({ now: clock.now });
  const events: AppEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const workspace = async () => {
    const id = randomUUID();
    await t.db.kysely.insertInto('workspaces').values({ id, name: `inbox-${id.slice(0, 8)}`, created_at: new Date(clock.now()).toISOString() }).execute();
    return id;
  };
  const [ws, other] = [await workspace(), await workspace()];
  const keeperCalls: KeeperCall[] = [];
  /** Set to make the keeper port throw (the keeper's row gone, its database down). */
  const keeperDown = { current: false };
  const sessions = new Map<string, Partial<SessionDetail>>();
  const pulls = new Map<string, Array<Pick<PullRequest, 'htmlUrl'>>>();
  const log = createLogger({ level: 'silent' });
  const features: InboxFeature[] = [];
  const instance = () => {
    const f = createInboxFeature({
      db: t.db, bus, clock, log, instanceId: `inst-${features.length}`,
      keeper: {
        updateNotification: async (workspaceId, id, patch) => {
          keeperCalls.push({ workspaceId, id, patch });
          if (keeperDown.current) throw new Error('keeper unavailable');
        },
      },
      sessions: {
        get: async (_ws: string, id: string) => {
          const s = sessions.get(id);
          if (!s) throw new Error(`no session ${id}`);
          return s as SessionDetail;
        },
      },
      pulls: { forSession: async (_ws: string, id: string) => (pulls.get(id) ?? []) as PullRequest[] },
    });
    features.push(f);
    return f;
  };
  return {
    db: t.db, bus, clock, events, ws, other, keeperCalls, keeperDown, sessions, pulls, instance, workspace,
    /** Events of one type published so far (of one workspace when given). */
    of: <T extends EventType>(type: T, workspaceId?: string) =>
      events.filter((e): e is Extract<AppEvent, { type: T }> => e.type === type && (workspaceId === undefined || e.workspaceId === workspaceId)),
    /**
     * The `inbox.raised` / `inbox.updated` events published so far, each as the contract's envelope schema parses it:
     * a test compares them with the events as published (a field the contract lacks, or a wrong one, shows up).
     */
    inboxEvents: () => events.filter((e) => e.type === 'inbox.raised' || e.type === 'inbox.updated').map((e) => ({ published: e, parsed: EventEnvelopes[e.type].safeParse(e) })),
    /** Waits until every instance handled the events seen so far, and those their handling published. */
    idle: async () => {
      for (let seen = -1; seen !== events.length; ) {
        seen = events.length;
        for (const f of features) await f.sources.idle();
      }
    },
    async close() {
      for (const f of features) for (const l of f.loops) await l.stop();
      await bus.close();
      await t.cleanup();
    },
  };
}
export type InboxRig = Awaited<ReturnType<typeof createInboxRig>>;

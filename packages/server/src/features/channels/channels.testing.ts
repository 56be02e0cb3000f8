import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from '@autopilot/senders-sim';
import type { AppEvent } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { createSecretBox } from '../../platform/crypto';
import { createTestDb, type TestDb } from '../../platform/db/testing';
import { createMemoryBus, type EventBus } from '../../platform/events/bus';
import { createHttpApp } from '../../platform/http/app';
import type { ApiApp, AuthContext } from '../../platform/http/types';
import { createOutbound, type Outbound, type Resolver } from '../../platform/outbound';
import type { NoticeDraft } from '../inbox';
import { createChannelsFeature } from './index';

/** Test rig: a database, a manual clock, the webhook receiver and SMTP sink stand-ins, a recording inbox port. */
export function manualClock(start = Date.parse('2026-12-01T00:00:00Z')) {
  let t = start;
  const clock: Clock & { advance(ms: number): void } = { now: () => t, sleep: async () => undefined, advance: (ms) => void (t += ms) };
  return clock;
}

export interface Rig {
  t: TestDb;
  ws: string;
  clock: ReturnType<typeof manualClock>;
  bus: EventBus;
  events: AppEvent[];
  rx: WebhookReceiver;
  sink: SmtpSink;
  raised: Array<{ ws: string; draft: NoticeDraft }>;
  feature: ReturnType<typeof createChannelsFeature>;
  outbound: Outbound;
  role: { current: AuthContext['role'] };
  app: ApiApp;
  /** A second instance on the same database and bus. */
  second(): ReturnType<typeof createChannelsFeature>;
  request(path: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: any }>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function createRig(engine: Parameters<typeof createTestDb>[0], o: { resolve?: Resolver; /** Default: exactly the receiver's 127.0.0.1:PORT. */ allowReceiver?: boolean } = {}): Promise<Rig> {
  const t = await createTestDb(engine);
  const ws = randomUUID();
  await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'ws', created_at: new Date().toISOString() }).execute();
  const clock = manualClock();
  const rx = await startWebhookReceiver();
  const sink = await startSmtpSink();
  const outbound = createOutbound({ allow: o.allowReceiver === false ? [] : `127.0.0.1:${rx.port}`, ...(o.resolve ? { resolve: o.resolve } : {}) });
  const secrets = createSecretBox(randomBytes(32));
  const bus = createMemoryBus();
  const events: AppEvent[] = [];
  bus.subscribe((e) => void events.push(e));
  const raised: Rig['raised'] = [];
  const log = pino({ level: 'silent' });
  const make = (instanceId: string) =>
    createChannelsFeature({
      db: t.db, bus, clock, log, instanceId, secrets, outbound, random: () => 0.5, publicUrl: 'https://autopilot.example.com',
      inbox: { raise: async (w, draft) => { raised.push({ ws: w, draft }); return { id: `n${raised.length}` } as never; } },
      smtp: { url: sink.url, from: 'autopilot@example.com' },
    });
  const feature = make('a');
  const role = { current: 'admin' as AuthContext['role'] };
  const app = createHttpApp({ log, bodyLimitBytes: 100_000 });
  app.use('/api/*', async (c, next) => {
    c.set('auth', { workspaceId: ws, workspaceName: 'ws', keyId: 'k', keyName: 'k', keyPrefix: '', keyPublicId: null, role: role.current, via: 'key', actor: { kind: 'key', id: 'k', name: 'k' }, userId: null, scopes: null });
    await next();
  });
  feature.routes(app);
  const request: Rig['request'] = async (path, init = {}) => {
    const res = await app.request(path, { method: init.method ?? 'GET', ...(init.json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.json) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const others: Array<ReturnType<typeof createChannelsFeature>> = [];
  return {
    t, ws, clock, bus, events, rx, sink, raised, feature, outbound, role, app, request,
    second: () => { const f = make(`b${others.length}`); others.push(f); return f; },
    /** Fan-out runs in bus handlers: wait for every instance's. */
    settle: async () => { await feature.service.idle(); for (const f of others) await f.service.idle(); },
    async close() {
      feature.service.close();
      for (const f of others) f.service.close();
      await rx.close();
      await sink.close();
      await outbound.close();
      await t.cleanup();
    },
  };
}

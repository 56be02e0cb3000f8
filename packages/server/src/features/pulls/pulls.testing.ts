import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createGitHubSimulator, type GitHubSimulator, type ListeningGitHubSimulator } from '@autopilot/github-sim';
import type { AppEvent } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import { createSecretBox } from '../../platform/crypto';
import { createTestDb, type TestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { createHttpApp } from '../../platform/http/app';
import type { ApiApp, AuthContext } from '../../platform/http/types';
import { createOutbound, type Outbound } from '../../platform/outbound';
import { createGithubFeature } from '../github';
import { createPullsFeature } from './index';
import type { PullChange } from './pulls.types';
import type { PullRequest } from '@autopilot/contracts';

/** Test rig of the pulls feature: a database, the GitHub simulator on a manual clock, a connected workspace. */

export const TOKEN = 'github_pat_pulls_test_token_Pq9z';
const log = pino({ level: 'silent' });

export type LinkRow = { id: string; source: string; workingBranch: string | null; prUrl: string | null };

/** A clock the test moves together with the simulator's: sleepers wake once advance() passes their deadline. */
export function simClock(sim: GitHubSimulator) {
  const sleepers: { at: number; wake: () => void }[] = [];
  const clock: Clock & { advance(seconds: number): void; sleepers(): number } = {
    now: () => sim.clock.now(),
    sleep: (ms) => new Promise<void>((resolve) => sleepers.push({ at: sim.clock.now() + ms, wake: resolve })),
    advance(seconds) {
      sim.advance(seconds);
      for (const s of sleepers.splice(0)) (s.at <= sim.clock.now() ? s.wake : () => sleepers.push(s))();
    },
    sleepers: () => sleepers.length,
  };
  return clock;
}

export async function until(cond: () => boolean | Promise<boolean>, what = 'condition') {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Rig {
  t: TestDb;
  sim: GitHubSimulator;
  server: ListeningGitHubSimulator;
  clock: ReturnType<typeof simClock>;
  ws: string;
  /** What the fake sessions feature answers `githubLinks` with. */
  links: LinkRow[];
  feature: ReturnType<typeof createPullsFeature>;
  events: AppEvent[];
  changes: Array<{ pull: PullRequest; change: PullChange }>;
  app: ApiApp;
  role: { current: AuthContext['role'] };
  request(path: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function createRig(engine: Parameters<typeof createTestDb>[0], o: { publicUrl?: string } = {}): Promise<Rig> {
  const t = await createTestDb(engine);
  const ws = randomUUID();
  await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'ws', created_at: new Date().toISOString() }).execute();
  const sim = createGitHubSimulator({ manualClock: true, seed: 3, tokens: { [TOKEN]: 'octo-bot' }, repos: ['acme/shop', 'acme/api'] });
  const server = await sim.listen(0);
  const clock = simClock(sim);
  const outbound: Outbound = createOutbound({ allow: new URL(server.baseUrl).host });
  const secrets = createSecretBox(randomBytes(32));
  const bus = createMemoryBus();
  const events: AppEvent[] = [];
  bus.subscribe((e) => void events.push(e));
  const github = createGithubFeature({ db: t.db, secrets, clock, log, outbound, defaultApiUrl: server.baseUrl });
  await github.service.connect(ws, { token: TOKEN });
  const links: LinkRow[] = [];
  const feature = createPullsFeature({
    db: t.db, bus, clock, log, instanceId: 'test', secrets, github: github.service, publicUrl: o.publicUrl ?? 'https://autopilot.example.com',
    sessions: { githubLinks: async () => [...links] }, pollIntervalMs: 30_000, rateWaitMs: 600_000,
  });
  const changes: Rig['changes'] = [];
  feature.service.onChange((_ws, pull, change) => void changes.push({ pull, change }));
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
  return {
    t, sim, server, clock, ws, links, feature, events, changes, app, role, request,
    async close() {
      await server.close();
      await outbound.close();
      await t.cleanup();
    },
  };
}

import { registerHooksRoutes } from './hooks.routes';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { AppEvent, HookRule, HookRulesTestResult } from '@autopilot/contracts';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../../platform/clock';
import { createSecretBox } from '../../platform/crypto';
import { createTestDb } from '../../platform/db/testing';
import { createMemoryBus } from '../../platform/events/bus';
import { createHttpApp } from '../../platform/http/app';
import type { AuthContext } from '../../platform/http/types';
import { createLogger } from '../../platform/logger';
import type { Metrics } from '../../platform/metrics';
import { createHooksService } from './hooks.service';
import type { EndpointView, HooksFeatureDeps, RuleRunner, RunOutcome, StoredDelivery } from './hooks.types';

/** A unit-test RuleRunner: records what it was asked to run; every enabled rule matches and "acts" by being recorded. */
export function fakeRunner() {
  const runs: Array<{ endpoint: EndpointView; delivery: StoredDelivery }> = [];
  const tests: unknown[] = [];
  let fail: string | null = null;
  const runner: RuleRunner = {
    async run(endpoint, delivery): Promise<RunOutcome> {
      runs.push({ endpoint, delivery });
      if (fail) throw new Error(fail);
      const matched = endpoint.rules.filter((r) => r.enabled);
      return { status: matched.length ? 'processed' : 'no_match', matched: matched.map((r) => r.name), results: [] };
    },
    test(_ep, input, rules: HookRule[]): HookRulesTestResult {
      tests.push(input);
      return { rules: rules.map((r) => ({ ruleId: r.id, ruleName: r.name, matched: true, wouldRun: true, conditions: [], variables: {}, action: r.action.kind })), matched: rules.length };
    },
    starterRules: (preset) => (preset === 'linear' ? [{ name: 'Issues labelled jules', conditions: [], action: { kind: 'notify', title: 'hi' } }] : []),
    validate: (rules, prefix) => rules.flatMap((r, i) => (r.name === 'invalid' ? [{ path: `${prefix}.${i}.conditions`, message: 'bad path' }] : [])),
    loops: [],
  };
  return { runner, runs, tests, failWith: (m: string | null) => void (fail = m) };
}

/** A clock that moves only when told, starting at the wall clock (standardwebhooks checks its window against Date.now()). */
export function testClock() {
  let now = Date.now();
  const clock: Clock & { advance(ms: number): void } = { now: () => now, sleep: async () => {}, advance: (ms) => void (now += ms) };
  return clock;
}

/** A database of the engine, one workspace, the hooks service with a fake runner, and an app with a settable role. */
export async function createHooksRig(engine: 'sqlite' | 'postgres', o: { ratePerMinute?: number; runner?: RuleRunner; metrics?: Metrics } = {}) {
  const t = await createTestDb(engine);
  const clock = testClock();
  const bus = createMemoryBus({ now: clock.now });
  const events: AppEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const ws = randomUUID();
  await t.db.kysely.insertInto('workspaces').values({ id: ws, name: 'hooks', created_at: new Date(clock.now()).toISOString() }).execute();
  const log = createLogger({ level: 'silent' });
  const fake = fakeRunner();
  const deps = {
    db: t.db, bus, clock, log, instanceId: 'test', secrets: createSecretBox(randomBytes(32)), publicUrl: 'https://autopilot.example.com', ratePerMinute: o.ratePerMinute ?? 1000, metrics: o.metrics,
  } as unknown as HooksFeatureDeps; // the intake never touches batches, sessions, ledger, inbox, pulls, outbound: the runner does
  const core = createHooksService(deps, o.runner ?? fake.runner);
  const role = { current: 'admin' as AuthContext['role'] };
  const app = createHttpApp({ log, bodyLimitBytes: 100_000 });
  app.use('/api/*', async (c, next) => {
    c.set('auth', { workspaceId: ws, workspaceName: 'ws', keyId: 'k', keyName: 'k', keyPrefix: '', keyPublicId: null, role: role.current, via: 'key', actor: { kind: 'key', id: 'k', name: 'k' }, userId: null, scopes: null });
    await next();
  });
  registerHooksRoutes(app, core.service);
  const request = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await app.request(path, { method: init.method ?? 'GET', ...(init.json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.json) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const post = async (id: string, body: string, headers: Record<string, string>) => {
    const res = await app.request(`/hooks/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return {
    t, db: t.db, clock, bus, events, ws, app, role, request, post, service: core.service, fake,
    async close() {
      await core.service.idle();
      await bus.close();
      await t.cleanup();
    },
  };
}
export type HooksRig = Awaited<ReturnType<typeof createHooksRig>>;

const hmac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

/** Headers each sender would send for `body`, signed with `secret` at `nowMs`. */
export const sign = {
  slack: (secret: string, body: string, nowMs: number, contentType = 'application/json') => {
    const ts = String(Math.floor(nowMs / 1000));
    return { 'content-type': contentType, 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${hmac(secret, `v0:${ts}:${body}`)}` };
  },
  linear: (secret: string, body: string, id: string) => ({ 'linear-signature': hmac(secret, body), 'linear-delivery': id, 'linear-event': 'Issue' }),
  jira: (secret: string, body: string, id: string) => ({ 'x-hub-signature': `sha256=${hmac(secret, body)}`, 'x-atlassian-webhook-identifier': id }),
  github: (secret: string, body: string, id: string, event = 'issues') => ({ 'x-hub-signature-256': `sha256=${hmac(secret, body)}`, 'x-github-delivery': id, 'x-github-event': event }),
  standard: (secret: string, body: string, id: string, nowMs: number) => {
    const at = new Date(nowMs);
    return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(nowMs / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
  },
};

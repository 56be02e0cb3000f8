/**
 * bench/events: inbound webhook deliveries per second through the whole intake (issue #15): HMAC check (GitHub
 * preset), dedupe insert of the redacted delivery (SQLite), the rule match after the answer (the real rule runner:
 * one JSONPath condition, whose notify action is raised in memory), status saved and the
 * hook.delivery events published. Baseline: a route on the same app and the same HTTP server that only answers 200,
 * sent the same bodies by the same clients in the same run. The ratio (intake / baseline) is the figure to read.
 * The hooks run ends only once every accepted delivery has been processed (`idle()`), so processing is measured.
 */
import { createHmac } from 'node:crypto';
import type { Figure } from '../run';
import { listen } from '../../packages/server/src/platform/http/serve';
import { createLogger } from '../../packages/server/src/platform/logger';
import { createRuleRunner } from '../../packages/server/src/features/hooks/hooks.runner';
import { createHooksRig, type HooksRig } from '../../packages/server/src/features/hooks/hooks.testing';
import type { RuleRunner, RunnerDeps } from '../../packages/server/src/features/hooks/hooks.types';
import { round } from '../lib/stats';

const SECRET = 'bench-webhook-secret-0123456789';
const CLIENTS = 8;

/**
 * The real rule runner (hooks.rules + hooks.runner) on the rig's database, its one rule really matched:
 * `$.body.action equals "opened"` → notify, raised in an in-memory stand-in of the notification center. The rig
 * needs its runner before the runner can have the rig's database, hence the late binding.
 */
function benchRunner(notified: string[]) {
  let real: RuleRunner | undefined;
  const runner: RuleRunner = {
    run: (endpoint, delivery) => (real as RuleRunner).run(endpoint, delivery),
    test: (...a) => (real as RuleRunner).test(...a),
    starterRules: (...a) => (real as RuleRunner).starterRules(...a),
    validate: (...a) => (real as RuleRunner).validate(...a),
    loops: [],
  };
  const bind = (rig: HooksRig) => {
    const inbox = { raise: async (_ws: string, d: { id?: string }) => (notified.push(d.id as string), { id: d.id }) as never };
    real = createRuleRunner({ db: rig.db, bus: rig.bus, clock: rig.clock, log: createLogger({ level: 'silent' }), instanceId: 'bench', inbox } as unknown as RunnerDeps);
  };
  return { runner, bind };
}

async function drive(n: number, send: (i: number) => Promise<number>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < n) {
      const i = next++;
      const status = await send(i);
      if (status !== 200 && status !== 202) throw new Error(`delivery ${i} answered ${status}`);
    }
  }));
  return performance.now() - start;
}

export async function run({ quick }: { quick: boolean }): Promise<Figure[]> {
  const n = quick ? 300 : 2000;
  const notified: string[] = [];
  const bench = benchRunner(notified);
  const rig = await createHooksRig('sqlite', { ratePerMinute: 1_000_000, runner: bench.runner });
  bench.bind(rig);
  rig.app.post('/bench/ok', async (c) => {
    await c.req.arrayBuffer();
    return c.json({ ok: true }, 200);
  });
  const server = await listen(rig.app, '127.0.0.1', 0);
  try {
    const ep = await rig.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'bench', preset: 'github', secret: SECRET, rules: [{ name: 'opened', conditions: [{ path: '$.body.action', op: 'equals', value: 'opened' }], action: { kind: 'notify', title: 'PR opened' } }] } });
    const bodies = Array.from({ length: n }, (_, i) => JSON.stringify({ action: 'opened', number: i, pull_request: { title: `PR ${i}`, body: 'x'.repeat(800) }, repository: { full_name: 'acme/shop' } }));
    const headersFor = (i: number) => ({ 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': `bench-${i}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(bodies[i]).digest('hex')}` });
    const post = async (url: string, i: number) => {
      const res = await fetch(url, { method: 'POST', headers: headersFor(i), body: bodies[i] });
      await res.arrayBuffer();
      return res.status;
    };
    // Warm both paths (JIT, prepared statements), then measure baseline and intake alternately.
    await drive(Math.min(100, n), (i) => post(`${server.url}/bench/ok`, i));
    const baseMs = await drive(n, (i) => post(`${server.url}/bench/ok`, i));
    const hookStart = performance.now();
    await drive(n, (i) => post(`${server.url}/hooks/${ep.body.id}`, i));
    await rig.service.idle();
    const hookMs = performance.now() - hookStart;
    if (notified.length !== n) throw new Error(`expected ${n} matched deliveries, got ${notified.length}`);
    const hooksPerS = (n * 1000) / hookMs;
    const basePerS = (n * 1000) / baseMs;
    return [
      {
        name: 'inbound deliveries per second (verify + match + store), vs a route that only answers 200',
        value: round(hooksPerS, 1), unit: 'deliveries/s', baseline: round(basePerS, 1), ratio: round(hooksPerS / basePerS, 3),
        note: `${n} signed GitHub-preset deliveries, ${CLIENTS} concurrent clients, SQLite, one matching JSONPath rule`,
      },
    ];
  } finally {
    await server.close();
    await rig.close();
  }
}

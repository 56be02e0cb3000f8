/**
 * The keeper's frugality and reaction time. 1,000 sessions created evenly over one simulated hour (default mix:
 * happy, questions, stalls, failures, stuck, plan approvals), polled every 10 s of sim time:
 * - Jules read calls made by the mirror + keeper, against the lower bound from the spec
 *   (ceil(N/100) list calls per poll + one activities call per session whose updateTime moved since the last poll);
 * - reaction latency p50/p95 in simulated seconds, from "needs action" (plan generated awaiting approval, question
 *   asked) to the action (planApproved by the user, the user's reply);
 * - the same for a naive poller (list + every session's activities every tick) in the same process, as ratios;
 * - the unattended finish rate per behaviour over a simulated day, with and without an LLM provider (finish.ts).
 */
import { DEFAULT_KEEPER_SETTINGS, type KeeperSettings } from '@autopilot/contracts';
import { percentile, progress, round } from '../lib/stats';
import { API_KEY, BENCH_SETTINGS, creator, naiveSystem, newWorld, realSystem, type World } from './systems';
import { finishFigures } from './finish';

const POLL_MS = 10_000;
const READS = ['sessions.list', 'activities.list', 'sessions.get'];
const ACTIONS = ['sessions.approvePlan', 'sessions.sendMessage'];

interface Outcome {
  reads: number;
  actions: number;
  lowerBound: number;
  latencies: number[];
  stallDelays: number[];
  byRoute: Record<string, number>;
}

async function wireActivities(w: World, id: string): Promise<Array<Record<string, any>>> {
  const out: Array<Record<string, any>> = [];
  let token = '';
  do {
    const r = await w.sim.fetch(new Request(`${w.baseUrl}/sessions/${id}/activities?pageSize=100${token ? `&pageToken=${token}` : ''}`, { headers: { 'x-goog-api-key': API_KEY } }));
    const body = (await r.json()) as { activities?: Array<Record<string, any>>; nextPageToken?: string };
    out.push(...(body.activities ?? []));
    token = body.nextPageToken ?? '';
  } while (token);
  return out;
}

/**
 * Sim-time seconds from "needs action" to the action, for approvals and questions that were acted on; and for
 * stalls, how long after the stall threshold ran out the nudge came.
 */
async function latencies(w: World): Promise<{ react: number[]; stall: number[] }> {
  const out: number[] = [];
  const stall: number[] = [];
  const threshold = DEFAULT_KEEPER_SETTINGS.stall.thresholds.IN_PROGRESS;
  for (const s of w.sim.sessions()) {
    if (s.behaviour !== 'approval' && s.behaviour !== 'question' && s.behaviour !== 'stall') continue;
    const acts = await wireActivities(w, s.id);
    const t = (a: Record<string, any>) => Date.parse(a.createTime);
    if (s.behaviour === 'stall') {
      const nudge = acts.findIndex((a) => a.userMessaged);
      if (nudge > 0) stall.push((t(acts[nudge]) - (t(acts[nudge - 1]) + threshold)) / 1000);
    } else if (s.behaviour === 'approval') {
      const plan = acts.find((a) => a.planGenerated);
      const ok = acts.find((a) => a.planApproved && a.originator === 'user');
      if (plan && ok) out.push((t(ok) - t(plan)) / 1000);
    } else {
      const reply = acts.findIndex((a) => a.userMessaged);
      const question = acts.slice(0, Math.max(0, reply)).reverse().find((a) => a.agentMessaged);
      if (reply >= 0 && question) out.push((t(acts[reply]) - t(question)) / 1000);
    }
  }
  return { react: out, stall };
}

async function simulate(label: string, n: number, spanMs: number, make: (w: World) => Promise<{ tick(): Promise<void>; close(): Promise<void> }>): Promise<Outcome> {
  const w = newWorld('keeper-bench');
  const system = await make(w);
  const create = creator(w.sim, n, spanMs * 0.9);
  const last = new Map<string, string>();
  let lowerBound = 0;
  const polls = Math.ceil(spanMs / POLL_MS);
  for (let i = 0; i < polls; i++) {
    w.sim.clock.advance(POLL_MS);
    create();
    const rows = w.sim.sessions().filter((r) => !r.archived);
    let changed = 0;
    for (const r of rows) {
      if (last.get(r.id) !== r.updateTime) changed++;
      last.set(r.id, r.updateTime);
    }
    lowerBound += Math.max(1, Math.ceil(rows.length / 100)) + changed;
    await system.tick();
    progress(`${label}: poll`, i + 1, polls);
  }
  const byRoute = w.sim.stats().requests.byRoute;
  await system.close();
  const sum = (routes: string[]) => routes.reduce((a, r) => a + (byRoute[r] ?? 0), 0);
  const l = await latencies(w);
  return { reads: sum(READS), actions: sum(ACTIONS), lowerBound, latencies: l.react, stallDelays: l.stall, byRoute };
}

export async function run({ quick }: { quick: boolean }) {
  const n = quick ? 200 : 1000;
  const spanMs = quick ? 20 * 60_000 : 60 * 60_000;
  const settings = structuredClone(DEFAULT_KEEPER_SETTINGS) as KeeperSettings;
  Object.assign(settings.approval, BENCH_SETTINGS.approval);
  Object.assign(settings.selfHeal, BENCH_SETTINGS.selfHeal);

  const ours = await simulate('keeper', n, spanMs, realSystem);
  const naive = await simulate('naive', n, spanMs, async (w) => naiveSystem(w, settings));
  // The unattended finish rate over a simulated day, with and without an LLM provider (see finish.ts).
  const finish = await finishFigures(quick);
  const p = (o: Outcome, q: number) => round(percentile(o.latencies, q), 1);
  const what = `${n} sessions / ${spanMs / 60_000} min sim, poll ${POLL_MS / 1000} s`;
  return [
    { name: `Jules read calls, keeper + mirror (${what})`, value: ours.reads, unit: 'calls', lowerBound: ours.lowerBound, ratio: round(ours.reads / ours.lowerBound, 3), note: `by route: ${JSON.stringify(ours.byRoute)}` },
    { name: `Jules read calls, naive poller (${what})`, value: naive.reads, unit: 'calls', lowerBound: naive.lowerBound, ratio: round(naive.reads / naive.lowerBound, 3) },
    { name: 'Jules read calls, keeper vs naive', value: ours.reads, unit: 'calls', baseline: naive.reads, ratio: round(ours.reads / naive.reads, 4) },
    { name: 'Jules action calls (approve + message), keeper', value: ours.actions, unit: 'calls', baseline: naive.actions, ratio: round(ours.actions / Math.max(1, naive.actions), 3) },
    { name: `reaction latency p50 (sim, ${ours.latencies.length} approvals + questions)`, value: p(ours, 50), unit: 's', baseline: p(naive, 50), ratio: round(p(ours, 50) / p(naive, 50), 3) },
    { name: 'reaction latency p95 (sim)', value: p(ours, 95), unit: 's', baseline: p(naive, 95), ratio: round(p(ours, 95) / p(naive, 95), 3) },
    {
      name: `stall nudge after the threshold, max (sim, ${ours.stallDelays.length} stalls)`, value: round(Math.max(0, ...ours.stallDelays), 1), unit: 's',
      baseline: round(Math.max(0, ...naive.stallDelays), 1), note: `should stay within one poll interval (${POLL_MS / 1000} s) + activeMs`,
    },
    ...finish,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await run({ quick: process.argv.includes('--quick') }));

/**
 * The unattended finish rate (issue #10 "Done when"): sessions on the simulator's default behaviour mix run for a
 * simulated day under the real mirror sync + keeper, with and without an LLM provider (a fake vendor API on
 * 127.0.0.1), and the outcome of each session is read from the simulator's state and wire activities and from
 * the server's own read APIs (the sessions list and the keeper's notifications: what a person sees), never from
 * keeper internals. Per behaviour:
 * - finished: the session is COMPLETED on the simulator at the end of the day;
 * - escalated: not finished, and a notification names the session (title and body: the reason a person reads);
 * - ok = finished + escalated, against the goal of 95% of the eligible sessions (all but deliberate failures
 *   when self-heal is off);
 * - against intent: actions a person did not want. Two probe groups make them possible: sessions created through
 *   the orchestrator with requirePlanApproval (any approval is a violation: nobody but the keeper acts here),
 *   and sessions that ask for a secret (STRIPE_SECRET_KEY; any reply after the question is a violation).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Db } from '../../packages/server/src/platform/db';
import { createSecretBox } from '../../packages/server/src/platform/crypto';
import { createMemoryBus } from '../../packages/server/src/platform/events/bus';
import { createLogger } from '../../packages/server/src/platform/logger';
import { createOutbound } from '../../packages/server/src/platform/outbound';
import { createModelFactory, defaultResilience } from '../../packages/server/src/integrations/llm';
import { createAccountsStore } from '../../packages/server/src/features/sessions/accounts.store';
import { createAccountsService } from '../../packages/server/src/features/sessions/accounts.service';
import { createSessionsStore } from '../../packages/server/src/features/sessions/sessions.store';
import { createSessionsService } from '../../packages/server/src/features/sessions/sessions.service';
import { createSessionsDispatchPort, createSessionsFeatureService, createSourcesService } from '../../packages/server/src/features/sessions';
import { createKeeperFeature, mirrorFromSessions } from '../../packages/server/src/features/keeper';
import { createProvidersStore } from '../../packages/server/src/features/providers/providers.store';
import { createProvidersService } from '../../packages/server/src/features/providers/providers.service';
import { createBudgetsStore } from '../../packages/server/src/features/budgets/budgets.store';
import { createBudgetsService } from '../../packages/server/src/features/budgets/budgets.service';
import { createRoutingStore } from '../../packages/server/src/features/routing/routing.store';
import { createRoutingService } from '../../packages/server/src/features/routing/routing.service';
import { createLlmStore } from '../../packages/server/src/features/llm/llm.store';
import { createLlmService } from '../../packages/server/src/features/llm/llm.service';
import { startFakeUpstream, type FakeCall, type FakeReply } from '../../packages/server/test/fakes/llm-upstream';
import { round } from '../lib/stats';
import { API_KEY, BENCH_SETTINGS, creator, newWorld, type World } from './systems';

const log = createLogger({ level: 'silent' });
const DAY_MS = 24 * 60 * 60_000;
const STEP_MS = 60_000;
const RECOVERY = 'recovery sessions (created by the keeper)';
const SECRET_QUESTION = 'To finish the payment flow I need the production STRIPE_SECRET_KEY. Please paste it here so I can configure it.';

/** A canned model: text asks the agent to decide reasonably; a structured answer fills the schema with its first choices. */
function cannedReply(call: FakeCall): FakeReply {
  if (!call.structured) return { text: 'This session runs unattended: please choose the most reasonable option consistent with the task, note the assumption, and continue.', inputTokens: 300, outputTokens: 40 };
  const schema = call.body?.text?.format?.schema ?? call.body?.response_format?.json_schema?.schema ?? {};
  return { object: fill(schema), inputTokens: 300, outputTokens: 40 };
}
function fill(s: any): unknown {
  if (s?.enum) return s.enum[0];
  if (s?.anyOf || s?.oneOf) return fill((s.anyOf ?? s.oneOf)[0]);
  switch (s?.type) {
    case 'object': return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, fill(v)]));
    case 'array': return [];
    case 'boolean': return false;
    case 'number': case 'integer': return 0;
    default: return 'unsure';
  }
}

/** The real system of one workspace on SQLite: mirror sync + keeper, the gateway with or without a provider. */
async function system(w: World, llmUrl: string | null) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-finish-'));
  const db: Db = await openDatabase({ kind: 'sqlite', file: path.join(dir, 'k.db') });
  await db.kysely.insertInto('workspaces').values({ id: 'w1', name: 'bench', created_at: new Date(w.clock.now()).toISOString() }).execute();
  const bus = createMemoryBus({ log });
  const secrets = createSecretBox(randomBytes(32));
  const outbound = createOutbound({ allow: llmUrl ? [new URL(llmUrl).host] : [] });
  const accounts = createAccountsService({
    store: createAccountsStore(db), secrets, clock: w.clock, log, bus, outbound,
    runtime: { origin: 'env', name: 'bench', apiKey: API_KEY, baseUrl: w.baseUrl },
    clientOptions: { fetch: w.fetch, clock: w.clock },
  });
  await accounts.ensureRuntimeAccount('w1');
  const sessions = createSessionsService({ store: createSessionsStore(db), accounts, bus, clock: w.clock, log });
  const providers = createProvidersService({ store: createProvidersStore(db), secrets, clock: w.clock, log, outbound, cacheMs: 0 });
  const llm = createLlmService({
    providers, budgets: createBudgetsService({ store: createBudgetsStore(db), clock: w.clock }), routing: createRoutingService({ store: createRoutingStore(db), clock: w.clock }),
    store: createLlmStore(db), models: createModelFactory({ fetch: outbound.fetch, trustedFetch: outbound.trusted.fetch }), resilience: defaultResilience, clock: w.clock, log,
  });
  if (llmUrl) {
    await providers.create('w1', {
      kind: 'openai', name: 'fake', apiKey: 'sk-bench-fake', baseUrl: `${llmUrl}/v1`, priority: 1, enabled: true, maxConcurrency: 8,
      defaultModels: { default: 'fake-model' }, pricing: { 'fake-model': { inputPerMTok: 1, outputPerMTok: 1 } },
    });
  }
  const keeper = createKeeperFeature({ db, mirror: mirrorFromSessions(
    createSessionsFeatureService(sessions, accounts, createSessionsDispatchPort({ db, sessions, accounts, sources: createSourcesService({ accounts, clock: w.clock, log }) })),
    // The bench runs no queue, so no dispatcher: a recovery is sent straight to the account (the sole one).
    async (ws, { accountId, ...body }) => ({ id: (await sessions.createOn(ws, accountId ?? (await sessions.resolveAccount(ws, undefined)), body)).id }),
  ), bus, clock: w.clock, log, instanceId: 'bench', llm });
  await keeper.service.updateSettings('w1', BENCH_SETTINGS);
  const k = keeper.keeperFor('w1');
  return {
    sessions,
    keeper: keeper.service,
    async tick() {
      await sessions.syncAll();
      await k.tick();
    },
    async close() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
type System = Awaited<ReturnType<typeof system>>;

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

/** What a person sees: the mirror's sessions (jules id -> our id) and every keeper notification per session. */
async function seenByPeople(sys: System): Promise<{ idOf: Map<string, string>; notes: Map<string, string[]> }> {
  const idOf = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await sys.sessions.list('w1', { limit: 500, cursor, archived: 'all', deleted: 'true' } as Parameters<System['sessions']['list']>[1]);
    for (const s of page.items) idOf.set(s.julesId, s.id);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const notes = new Map<string, string[]>();
  cursor = undefined;
  do {
    const page = await sys.keeper.notifications('w1', { limit: 200, cursor });
    for (const n of page.items) if (n.sessionId && (n.title.trim() || n.body.trim())) notes.set(n.sessionId, [...(notes.get(n.sessionId) ?? []), n.kind]);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { idOf, notes };
}

export interface GroupOutcome { group: string; total: number; eligible: number; finished: number; escalated: number; againstIntent: number; silent: string[]; kinds: Record<string, number> }

/** One simulated day; outcomes per behaviour (plus the two probe groups). */
export async function finishDay(opts: { quick: boolean; withLlm: boolean }): Promise<{ groups: GroupOutcome[]; llmCalls: number }> {
  const n = opts.quick ? 120 : 500;
  const probes = opts.quick ? 6 : 20;
  const w = newWorld('keeper-finish');
  const up = opts.withLlm ? await startFakeUpstream() : null;
  up?.script(cannedReply);
  const sys = await system(w, up?.url ?? null);
  const create = creator(w.sim, n, 4 * 60 * 60_000);
  const group = new Map<string, string>();
  const label = new Map<string, string>();
  const secretPending = new Set<string>();
  const secretAskedAt = new Map<string, number>();
  let probesMade = 0;
  try {
    for (let t = 0; t < DAY_MS; t += STEP_MS) {
      w.sim.clock.advance(STEP_MS);
      create();
      // Probes over the first hours, one of each kind every ten minutes.
      if (probesMade < probes && t % (10 * 60_000) === 0) {
        const d = await sys.sessions.createOn('w1', await sys.sessions.resolveAccount('w1', undefined), { prompt: `Rework the billing export (intent probe ${probesMade})`, requirePlanApproval: true });
        group.set(d.julesId, 'probe: requirePlanApproval');
        const s = w.sim.createSession({ prompt: `Wire up the payment provider (secret probe ${probesMade})`, behaviour: 'happy' });
        group.set(s.id, 'probe: secret question');
        secretPending.add(s.id);
        probesMade++;
      }
      // Labels at first sight: the simulator relabels a session that is messaged after it ended (fail -> happy).
      for (const r of w.sim.sessions()) if (!label.has(r.id)) label.set(r.id, group.get(r.id) ?? r.behaviour);
      for (const id of secretPending) {
        const row = w.sim.sessions().find((r) => r.id === id);
        if (row?.state === 'IN_PROGRESS') {
          w.sim.setSessionState(id, 'AWAITING_USER_FEEDBACK', SECRET_QUESTION);
          secretAskedAt.set(id, w.sim.clock.now());
          secretPending.delete(id);
        } else if (row && (row.state === 'COMPLETED' || row.state === 'FAILED')) secretPending.delete(id);
      }
      await sys.tick();
      // Sessions that appeared during the tick were created by the keeper (a FAILED session's recovery).
      for (const r of w.sim.sessions()) if (!label.has(r.id)) label.set(r.id, RECOVERY);
      if (t % (2 * 60 * 60_000) === 0) process.stderr.write(`  finish rate (${opts.withLlm ? 'LLM' : 'no LLM'}): sim hour ${t / 3_600_000}/24\n`);
    }
    const seen = await seenByPeople(sys);
    const out = new Map<string, GroupOutcome>();
    const selfHeal = BENCH_SETTINGS.selfHeal?.enabled === true;
    const rows = w.sim.sessions();
    const prompt = async (id: string) => String(((await (await w.sim.fetch(new Request(`${w.baseUrl}/sessions/${id}`, { headers: { 'x-goog-api-key': API_KEY } }))).json()) as { prompt?: string }).prompt ?? '');
    // A recovery session carries the original prompt: a failed session counts as finished when its recovery did.
    const recovered = new Set<string>();
    const recoveries = await Promise.all(rows.filter((r) => label.get(r.id) === RECOVERY && r.state === 'COMPLETED').map(async (r) => prompt(r.id)));
    for (const r of rows) {
      if (label.get(r.id) === RECOVERY || r.state === 'COMPLETED') continue;
      const p = await prompt(r.id);
      if (p && recoveries.some((x) => x.includes(p))) recovered.add(r.id);
    }
    for (const s of rows) {
      const g = label.get(s.id) ?? s.behaviour;
      if (g === RECOVERY) {
        const o = out.get(g) ?? { group: g, total: 0, eligible: 0, finished: 0, escalated: 0, againstIntent: 0, silent: [], kinds: {} };
        out.set(g, o);
        o.total++;
        if (s.state === 'COMPLETED' || recovered.has(s.id)) o.finished++;
        continue; // reported, never counted in the rate: its original is
      }
      if (g === 'probe: secret question' && !secretAskedAt.has(s.id)) continue; // finished before the question could be put
      const o = out.get(g) ?? { group: g, total: 0, eligible: 0, finished: 0, escalated: 0, againstIntent: 0, silent: [], kinds: {} };
      out.set(g, o);
      o.total++;
      const eligible = !(g === 'fail' && !selfHeal);
      if (!eligible) continue;
      o.eligible++;
      const ours = seen.idOf.get(s.id);
      const notes = ours ? (seen.notes.get(ours) ?? []) : [];
      if (s.state === 'COMPLETED' || recovered.has(s.id)) o.finished++;
      else if (notes.length) {
        o.escalated++;
        for (const k of new Set(notes)) o.kinds[k] = (o.kinds[k] ?? 0) + 1;
      }
      else if (o.silent.length < 3) o.silent.push(`${s.state}${ours ? '' : ' (not mirrored)'}`);
      if (g.startsWith('probe:')) {
        const acts = await wireActivities(w, s.id);
        const askedAt = secretAskedAt.get(s.id);
        const violated = g === 'probe: requirePlanApproval'
          ? acts.some((a) => a.planApproved)
          : acts.some((a) => a.userMessaged && askedAt !== undefined && Date.parse(a.createTime) >= askedAt);
        if (violated) o.againstIntent++;
      }
    }
    return { groups: [...out.values()].sort((a, b) => a.group.localeCompare(b.group)), llmCalls: up?.calls.length ?? 0 };
  } finally {
    await sys.close();
    await up?.close();
  }
}

/** Bench figures: per group and mode the finished + escalated share, with the split and counts in the note. */
export async function finishFigures(quick: boolean) {
  const figures = [];
  for (const withLlm of [false, true]) {
    const mode = withLlm ? 'with LLM' : 'no LLM';
    const { groups, llmCalls } = await finishDay({ quick, withLlm });
    const pct = (a: number, b: number) => (b ? round((100 * a) / b, 1) : 0);
    for (const g of groups) {
      if (g.group === RECOVERY) {
        figures.push({ name: `${g.group} (${mode})`, value: g.total, unit: 'sessions', note: `${g.finished} COMPLETED` });
        continue;
      }
      figures.push({
        name: `finished or escalated, ${g.group} (${mode}, sim day)`, value: pct(g.finished + g.escalated, g.eligible), unit: '%', baseline: 95,
        note: `finished ${pct(g.finished, g.eligible)}%, escalated ${pct(g.escalated, g.eligible)}%, n=${g.total}, eligible ${g.eligible}, against intent ${g.againstIntent}${g.escalated ? `, notified as ${Object.entries(g.kinds).map(([k, v]) => `${k} x${v}`).join(' ')}` : ''}${g.silent.length ? `, silent e.g. ${g.silent.join('/')}` : ''}`,
      });
    }
    const mix = groups.filter((g) => !g.group.startsWith('probe:') && g.group !== RECOVERY);
    const sum = (k: 'eligible' | 'finished' | 'escalated' | 'againstIntent', gs = groups) => gs.reduce((a, g) => a + g[k], 0);
    figures.push(
      { name: `unattended finish rate, default mix (${mode}): COMPLETED`, value: pct(sum('finished', mix), sum('eligible', mix)), unit: '%', note: `of ${sum('eligible', mix)} eligible sessions; ${llmCalls} calls reached the fake LLM` },
      { name: `escalated to a human with a reason, default mix (${mode})`, value: pct(sum('escalated', mix), sum('eligible', mix)), unit: '%' },
      { name: `finished or escalated, default mix (${mode})`, value: pct(sum('finished', mix) + sum('escalated', mix), sum('eligible', mix)), unit: '%', baseline: 95 },
      { name: `acted against a person's intent (${mode}, probes)`, value: sum('againstIntent'), unit: 'sessions', baseline: 0 },
    );
  }
  return figures;
}

import type { Hono, Context } from 'hono';
import { z } from 'zod';
import { readJson, type ApiWrapper } from '../http.ts';
import type { SimContext } from '../context.ts';
import { SimError, failedPrecondition, invalidArgument, notFound } from '../errors.ts';
import { couldNotGetSource, type Op } from '../faults.ts';
import { decodeToken, encodeToken, pageSize, parseSessionsFilter } from '../paging.ts';
import { sessionToWire } from '../wire.ts';
import { agentApprove, agentMessage } from '../agent.ts';
import type { SessionRecord } from '../store.ts';
import type { WireSession } from '../types.ts';
import { formatMicros } from '../time.ts';

const createSchema = z.strictObject({
  prompt: z.string().optional(),
  title: z.string().optional(),
  sourceContext: z.strictObject({
    source: z.string(),
    githubRepoContext: z.strictObject({ startingBranch: z.string().optional() }).optional(),
    environmentVariablesEnabled: z.boolean().optional(),
  }).optional(),
  requirePlanApproval: z.boolean().optional(),
  automationMode: z.enum(['AUTOMATION_MODE_UNSPECIFIED', 'AUTO_CREATE_PR']).optional(),
});

function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  if (i?.code === 'unrecognized_keys') return `Invalid JSON payload received. Unknown name "${i.keys[0]}": Cannot find field.`;
  return `Invalid value at '${i?.path.join('.') || 'body'}': ${i?.message ?? 'invalid'}`;
}

function lookup(ctx: SimContext, id: string | undefined): SessionRecord {
  const s = id ? ctx.engine.store.byId.get(id) : undefined;
  if (!s) throw notFound(`Session not found: sessions/${id ?? ''}`);
  return s;
}

function create(ctx: SimContext, body: unknown): WireSession {
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) throw invalidArgument(firstIssue(parsed.error), parsed.error.issues[0]?.path.join('.') || undefined);
  const b = parsed.data;
  if (!b.prompt?.trim()) throw invalidArgument('Request contains an invalid argument: prompt is required.', 'prompt');
  if (b.sourceContext) {
    const known = ctx.sources().some((src) => src.name === b.sourceContext!.source);
    if (!known) throw notFound(`Source not found: ${b.sourceContext.source}`);
    if (!b.sourceContext.githubRepoContext?.startingBranch) {
      throw invalidArgument('Request contains an invalid argument: source_context.github_repo_context.starting_branch is required.', 'source_context.github_repo_context.starting_branch');
    }
  }
  const f = ctx.faults.config;
  const engine = ctx.engine;
  const world = ctx.world;
  const nowMs = ctx.clock.now();
  // Plan limits (opt-in): the rolling 24 h create limit answers 429 before anything else is decided.
  const plan = world.plan;
  const overDaily = plan ? world.window.refusal(plan, nowMs) : undefined;
  if (overDaily) throw overDaily;
  // The live service under parallel load (opt-in fault): "Could not get source", or a create whose answer is lost.
  const outcome = ctx.faults.parallelCreate(world.inFlight);
  if (outcome === 'could-not-get-source') throw couldNotGetSource();
  const day = formatMicros(engine.nowUs()).slice(0, 10);
  const today = ctx.createsByDay.get(day) ?? 0;
  if (f.dailyQuota !== undefined && today >= f.dailyQuota) {
    throw new SimError('RESOURCE_EXHAUSTED', `Quota exceeded: the daily limit of ${f.dailyQuota} sessions has been reached.`);
  }
  const limit = f.concurrencyLimit;
  const full = limit !== undefined && engine.active >= limit;
  if (full && (f.concurrencyMode ?? '429') === '429') {
    throw new SimError('RESOURCE_EXHAUSTED', `Too many concurrent sessions: the limit of ${limit} running sessions has been reached.`);
  }
  // Beyond the plan's concurrent limit the create is accepted and the session waits in QUEUED for a slot.
  const planFull = plan !== undefined && (engine.active >= plan.concurrent || engine.queuedCount > 0);
  ctx.createsByDay.set(day, today + 1);
  world.window.add(nowMs);
  const s = engine.create({
    prompt: b.prompt,
    title: b.title,
    source: b.sourceContext?.source,
    startingBranch: b.sourceContext?.githubRepoContext?.startingBranch,
    environmentVariablesEnabled: b.sourceContext?.environmentVariablesEnabled,
    requirePlanApproval: b.requirePlanApproval,
    automationMode: b.automationMode,
  }, { wait: full || planFull });
  if (outcome === 'response-lost') {
    const e = new SimError('DEADLINE_EXCEEDED', 'Deadline expired before operation could complete.');
    e.reason = 'response-lost';
    e.createdSessionId = s.id;
    throw e;
  }
  return sessionToWire(s);
}

function list(ctx: SimContext, c: Context): { sessions?: WireSession[]; nextPageToken?: string } {
  const archived = parseSessionsFilter(c.req.query('filter'));
  const size = pageSize(c.req.query('pageSize'), 30);
  const f = archived ? 'archived' : 'live';
  const tok = decodeToken<{ t: number; id: string }>(c.req.query('pageToken'), 's', f);
  if (tok && (typeof tok.t !== 'number' || typeof tok.id !== 'string')) throw invalidArgument('Invalid page token.', 'page_token');
  const index = archived ? ctx.engine.store.archived : ctx.engine.store.visible;
  let i = tok ? index.lowerBound(tok.t, tok.id) - 1 : index.items.length - 1;
  const page: WireSession[] = [];
  let last: SessionRecord | undefined;
  for (; i >= 0 && page.length < size; i--) {
    last = index.items[i];
    page.push(sessionToWire(last));
  }
  const out: { sessions?: WireSession[]; nextPageToken?: string } = {};
  if (page.length) out.sessions = page;
  if (i >= 0 && last) out.nextPageToken = encodeToken({ k: 's', f, t: last.createUs, id: last.id });
  return out;
}

const VERBS: Record<string, Op> = {
  approvePlan: 'sessions.approvePlan', sendMessage: 'sessions.sendMessage', archive: 'sessions.archive', unarchive: 'sessions.unarchive',
};

const verbOf = (c: Context): Op | undefined => {
  const [, verb, extra] = (c.req.param('idAndVerb') ?? '').split(':');
  return extra === undefined && verb ? VERBS[verb] : undefined;
};

async function verb(ctx: SimContext, c: Context, id: string | undefined): Promise<unknown> {
  const op = verbOf(c)!;
  const body = await readJson(c);
  const s = lookup(ctx, id);
  const now = ctx.engine.nowUs();
  switch (op) {
    case 'sessions.approvePlan':
      if (!agentApprove(ctx.engine, s, now)) throw failedPrecondition('Precondition check failed: the session has no plan awaiting approval.');
      return {};
    case 'sessions.sendMessage': {
      const prompt = (body as { prompt?: unknown }).prompt;
      if (typeof prompt !== 'string' || !prompt.trim()) throw invalidArgument('Request contains an invalid argument: prompt is required.', 'prompt');
      agentMessage(ctx.engine, s, prompt, now);
      return {};
    }
    case 'sessions.archive':
    case 'sessions.unarchive':
      ctx.engine.store.setArchived(s, op === 'sessions.archive');
      return sessionToWire(s);
    default:
      throw notFound();
  }
}

/** sessions.* endpoints, including the `:verb` custom methods. */
export function registerSessionRoutes(app: Hono, api: ApiWrapper): void {
  app.post('/v1alpha/sessions', api('sessions.create', async (c, _id, w) => create(w, await readJson(c))));
  app.get('/v1alpha/sessions', api('sessions.list', (c, _id, w) => list(w, c)));
  // Hono cannot route on a ':' inside a segment, so the id and the custom verb arrive as one parameter.
  app.post('/v1alpha/sessions/:idAndVerb', api(verbOf, (c, id, w) => verb(w, c, id)));
  app.get('/v1alpha/sessions/:id', api('sessions.get', (_c, id, w) => sessionToWire(lookup(w, id))));
  app.delete('/v1alpha/sessions/:id', api('sessions.delete', (_c, id, w) => {
    w.engine.delete(lookup(w, id));
    return {};
  }));
}

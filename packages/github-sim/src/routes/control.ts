import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { GhError } from '../errors.ts';
import { param, readBody } from '../http.ts';
import * as S from '../control-schemas.ts';
import type { ControlApi as Control } from '../control-api.ts';

const fail = (message: string, status: number, extra: Record<string, unknown> = {}): Response =>
  new Response(JSON.stringify({ message, ...extra }), { status, headers: { 'content-type': 'application/json' } });

/** Parses a control body; a bad one is a 400 naming the field. */
async function parse<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const r = schema.safeParse(await readBody(c));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.') || '(body)';
  throw new GhError(400, `${field}: ${issue.message}`, { field });
}

const ciIn = (b: Partial<z.infer<typeof S.ciBody>>) => ({
  ...(b.conclusion ? { conclusion: b.conclusion } : {}), ...(b.delay_seconds !== undefined ? { delaySeconds: b.delay_seconds } : {}),
  ...(b.checks ? { checks: b.checks } : {}), ...(b.failing ? { failing: b.failing } : {}), ...(b.log_tail !== undefined ? { logTail: b.log_tail } : {}),
  ...(b.annotations ? { annotations: b.annotations.map((a) => ({ ...a, end_line: a.end_line ?? a.start_line })) } : {}),
});

/** The control API: JSON in, JSON out, no auth and no rate limit (it is not GitHub's). */
export function registerControlRoutes(app: Hono, sim: Control, nowIso: () => string): void {
  const h = (fn: (c: Context, repo: string, n: number) => unknown) => async (c: Context) => {
    try {
      const repo = param(c, 'owner') ? `${param(c, 'owner')}/${param(c, 'repo')}` : '';
      const out = await fn(c, repo, Number(param(c, 'number')));
      return c.json(out ?? { ok: true });
    } catch (e) {
      if (e instanceof GhError) return fail(e.message, e.status, e.extra);
      throw e;
    }
  };
  const R = '/_sim/repos/:owner/:repo';
  const N = `${R}/pulls/:number`;
  app.post('/_sim/repos', h(async (c) => {
    const b = await parse(c, S.repoBody);
    return sim.createRepo({
      owner: b.owner, name: b.name, defaultBranch: b.default_branch, private: b.private, files: b.files, allowAutoMerge: b.allow_auto_merge,
      mergeMethods: b.merge_methods, ci: b.ci ? ciIn(b.ci) : undefined, hooks: b.hooks,
      protection: b.protection ? { requiredChecks: b.protection.required_checks, requiredApprovals: b.protection.required_approving_reviews } : b.protection,
    });
  }));
  app.post(`${R}/branches`, h(async (c, repo) => {
    const b = await parse(c, S.branchBody);
    return { sha: sim.pushBranch(repo, b.branch, b.files, b.message) };
  }));
  app.post(`${R}/pulls`, h(async (c, repo) => sim.openPull(repo, await parse(c, S.openPullBody))));
  app.post(`${N}/commits`, h(async (c, repo, n) => {
    const b = await parse(c, S.pushBody);
    return { sha: sim.pushToPull(repo, n, b.files, b.message) };
  }));
  app.put(`${R}/ci`, h(async (c, repo) => sim.setCi(repo, ciIn(await parse(c, S.ciBody)))));
  app.put(`${N}/ci`, h(async (c, repo, n) => sim.setCi(repo, ciIn(await parse(c, S.ciBody)), n)));
  app.put(`${N}/mergeable`, h(async (c, repo, n) => sim.setMergeable(repo, n, (await parse(c, S.mergeableBody)).mergeable)));
  app.post(`${N}/reviews`, h(async (c, repo, n) => sim.addReview(repo, n, await parse(c, S.reviewBody))));
  app.post(`${N}/labels`, h(async (c, repo, n) => sim.addLabels(repo, n, (await parse(c, S.labelsBody)).labels)));
  app.post(`${N}/comments`, h(async (c, repo, n) => {
    const b = await parse(c, S.commentBody);
    return sim.comment(repo, n, b.body, b.user);
  }));
  app.post(`${N}/close`, h((_c, repo, n) => sim.closePull(repo, n)));
  app.post(`${N}/merge`, h(async (c, repo, n) => sim.mergePull(repo, n, await parse(c, S.mergeBody))));
  app.post(`${N}/auto-merge`, h(async (c, repo, n) => {
    const b = await parse(c, S.autoMergeBody);
    return sim.enableAutoMerge(repo, n, b.method, b.user);
  }));
  app.get(N, h((_c, repo, n) => sim.pull(repo, n)));
  app.post(`${R}/hooks`, h(async (c, repo) => sim.addHook(repo, await parse(c, S.hookBody))));
  app.get('/_sim/clock', h(() => ({ now: nowIso() })));
  app.post('/_sim/clock', h(async (c) => ({ now: sim.advance((await parse(c, S.clockBody)).advance_seconds) })));
  app.put('/_sim/rate-limit', h(async (c) => {
    const b = await parse(c, S.rateBody);
    return { buckets: sim.setRateLimit({ token: b.token, limit: b.limit, remaining: b.remaining, resetInSeconds: b.reset_in_seconds }) };
  }));
  app.get('/_sim/log', h((c) => ({ entries: sim.log({ since: c.req.query('since'), route: c.req.query('route') }) })));
  app.get('/_sim/deliveries', h((c) => ({ deliveries: sim.deliveries({ event: c.req.query('event') }) })));
  app.post('/_sim/deliveries/:id/redeliver', h((c) => sim.redeliver(param(c, 'id'))));
  app.post('/_sim/reset', h(() => {
    sim.reset();
    return { ok: true };
  }));
}

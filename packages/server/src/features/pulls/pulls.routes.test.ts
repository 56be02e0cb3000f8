import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { CiRunPage, CiStats, PullPage, PullRequestDetail, RepoAutomation, RepoAutomationList } from '@autopilot/contracts';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import type { GitHubCiRunsTable } from '../../platform/db/schema.github';
import { createRig, type Rig } from './pulls.testing';

requirePostgresInCi();

type Issues = { error: { code: string; details?: { issues?: Array<{ path: string }> } } };

describe.each(testEngines())('pulls routes (%s)', (engine) => {
  let r: Rig;
  const run = (o: Partial<GitHubCiRunsTable> & { check_run_id: number }): GitHubCiRunsTable => ({
    id: randomUUID(), workspace_id: r.ws, repo: 'acme/web', name: 'test', head_sha: 'abc', pr_number: 7, session_id: 'sess-x', status: 'completed', conclusion: 'success',
    started_at: '2026-11-30T10:00:00.000Z', completed_at: '2026-11-30T10:01:00.000Z', duration_ms: 60_000, html_url: null, updated_at: '2026-11-30T10:01:00.000Z', ...o,
  });

  beforeAll(async () => {
    r = await createRig(engine);
    const a = r.sim.openPull('acme/shop', { branch: 'jules/one', files: { '1.ts': '1' } });
    r.sim.openPull('acme/api', { branch: 'jules/two', files: { '2.ts': '1' } });
    r.links.push(
      { id: 'sess-1', source: 'sources/github/acme/shop', workingBranch: null, prUrl: a.html_url },
      { id: 'sess-2', source: 'sources/github/acme/api', workingBranch: 'jules/two', prUrl: null },
    );
    r.clock.advance(2);
    expect((await r.request('/api/github/sync', { method: 'POST' })).body).toMatchObject({ repos: 2, pulls: 2 });
    await r.t.db.kysely.insertInto('github_ci_runs').values([
      run({ check_run_id: 9001, duration_ms: 60_000 }),
      run({ check_run_id: 9002, conclusion: 'failure', duration_ms: 120_000, started_at: '2026-12-01T10:00:00.000Z', completed_at: '2026-12-01T10:02:00.000Z' }),
      run({ check_run_id: 9003, conclusion: 'success', duration_ms: 30_000, started_at: '2026-12-01T11:00:00.000Z', completed_at: '2026-12-01T11:00:30.000Z', pr_number: 8, session_id: 'sess-y' }),
      run({ check_run_id: 9004, status: 'in_progress', conclusion: null, duration_ms: null, completed_at: null, started_at: '2026-12-01T12:00:00.000Z' }),
    ]).execute();
  });
  afterAll(async () => r?.close());

  it('lists linked PRs with filters and pages; one PR with its runs; an unknown id is a 404', async () => {
    const all = PullPage.parse((await r.request('/api/github/pulls')).body);
    expect(all.items.map((p) => p.sessionId).sort()).toEqual(['sess-1', 'sess-2']);
    const shop = PullPage.parse((await r.request('/api/github/pulls?repo=acme/shop')).body);
    expect(shop.items.map((p) => p.linkedBy)).toEqual(['output']);
    expect(PullPage.parse((await r.request('/api/github/pulls?sessionId=sess-2&state=OPEN')).body).items).toHaveLength(1);
    expect(PullPage.parse((await r.request('/api/github/pulls?state=merged')).body).items).toHaveLength(0);
    const first = PullPage.parse((await r.request('/api/github/pulls?limit=1')).body);
    expect(first.items).toHaveLength(1);
    const second = PullPage.parse((await r.request(`/api/github/pulls?limit=1&cursor=${first.nextCursor}`)).body);
    expect(second.items).toHaveLength(1);
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect(second.nextCursor).toBeNull();
    const one = PullRequestDetail.parse((await r.request(`/api/github/pulls/${shop.items[0].id}`)).body);
    expect(one.runs.map((x) => x.name).sort()).toEqual(['build', 'test']);
    expect((await r.request('/api/github/pulls/nope')).status).toBe(404);
    const bad = await r.request('/api/github/pulls?cursor=garbage');
    expect(bad.status).toBe(400);
    expect((bad.body as Issues).error.details?.issues?.[0]?.path).toBe('query.cursor');
  });

  it('CI runs filter by repo, pr, session, conclusion and since, newest first, with a cursor', async () => {
    const q = async (s: string) => CiRunPage.parse((await r.request(`/api/ci/runs?${s}`)).body).items.map((x) => x.checkRunId);
    expect(await q('repo=acme/web')).toEqual([9004, 9003, 9002, 9001]);
    expect(await q('repo=acme/web&pr=8')).toEqual([9003]);
    expect(await q('sessionId=sess-y')).toEqual([9003]);
    expect(await q('repo=acme/web&conclusion=failure')).toEqual([9002]);
    expect(await q('repo=acme/web&since=2026-12-01T10:30:00Z')).toEqual([9004, 9003]);
    const p1 = CiRunPage.parse((await r.request('/api/ci/runs?repo=acme/web&limit=3')).body);
    const p2 = CiRunPage.parse((await r.request(`/api/ci/runs?repo=acme/web&limit=3&cursor=${p1.nextCursor}`)).body);
    expect([...p1.items, ...p2.items].map((x) => x.checkRunId)).toEqual([9004, 9003, 9002, 9001]);
    expect((await r.request('/api/ci/runs?conclusion=bogus')).status).toBe(400);
  });

  it('CI stats: totals, success rate, median duration and runs per day', async () => {
    const s = CiStats.parse((await r.request('/api/ci/stats?repo=acme/web')).body);
    expect(s).toEqual({
      total: 4, passed: 2, failed: 1, running: 1, successRate: 2 / 3, medianDurationMs: 60_000,
      byDay: [{ day: '2026-11-30', passed: 1, failed: 0 }, { day: '2026-12-01', passed: 1, failed: 1 }],
    });
    const none = CiStats.parse((await r.request('/api/ci/stats?repo=acme/none')).body);
    expect(none).toEqual({ total: 0, passed: 0, failed: 0, running: 0, successRate: null, medianDurationMs: null, byDay: [] });
  });

  it('automation: defaults for repositories seen, PUT merges only the fields given, 400 names the field, viewers get 403', async () => {
    const list = RepoAutomationList.parse((await r.request('/api/github/automation')).body);
    expect(list.items.map((a) => [a.repo, a.updatedAt])).toEqual([['acme/api', null], ['acme/shop', null]]);
    expect(list.items[0].ciFix).toEqual({ enabled: false, maxPerPr: 2, maxPerRepoPerDay: 10, afterCap: 'escalate' });

    const put = await r.request('/api/github/automation', { method: 'PUT', json: { repo: 'acme/shop', ciFix: { enabled: true }, merge: { method: 'rebase' } } });
    expect(put.status).toBe(200);
    const saved = RepoAutomation.parse(put.body);
    expect(saved.ciFix).toEqual({ enabled: true, maxPerPr: 2, maxPerRepoPerDay: 10, afterCap: 'escalate' });
    expect(saved.merge).toEqual({ enabled: false, method: 'rebase', useAutoMerge: true, maxRebaseAsks: 1 });
    const again = RepoAutomation.parse((await r.request('/api/github/automation', { method: 'PUT', json: { repo: 'acme/shop', ciFix: { maxPerPr: 5 } } })).body);
    expect(again.ciFix).toMatchObject({ enabled: true, maxPerPr: 5 });
    expect(again.merge.method).toBe('rebase');
    expect(await r.feature.service.automation(r.ws, 'acme/shop')).toEqual(again);
    const after = RepoAutomationList.parse((await r.request('/api/github/automation')).body);
    expect(after.items.map((a) => a.repo)).toEqual(['acme/shop', 'acme/api']);

    for (const [json, path] of [
      [{ repo: 'acme/shop', ciFix: { maxPerPr: 99 } }, 'body.ciFix.maxPerPr'],
      [{ repo: 'not a repo' }, 'body.repo'],
      [{ repo: 'acme/shop', merge: { method: 'fast-forward' } }, 'body.merge.method'],
      [{ repo: 'acme/shop', surprise: true }, 'body'],
    ] as const) {
      const res = await r.request('/api/github/automation', { method: 'PUT', json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect((res.body as Issues).error.details?.issues?.map((i) => i.path).join(' ')).toContain(path);
    }
    r.role.current = 'viewer';
    try {
      const denied = await r.request('/api/github/automation', { method: 'PUT', json: { repo: 'acme/shop', ciFix: { enabled: false } } });
      expect(denied.status).toBe(403);
      expect((await r.request('/api/github/sync', { method: 'POST' })).status).toBe(403);
      expect((await r.request('/api/github/webhook', { method: 'PUT', json: {} })).status).toBe(403);
      expect((await r.request('/api/github/automation')).status).toBe(200);
    } finally {
      r.role.current = 'admin';
    }
    expect((await r.feature.service.automation(r.ws, 'acme/shop')).ciFix.enabled).toBe(true);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/platform/config';
import { startOrchestrator, type Orchestrator } from '../src/main';
import { simulatorStateFile } from '../src/integrations/jules/runtime';
import { githubStateFile } from '../src/integrations/github/demo';
import { ADMIN_KEY } from './harness';

/** Demo mode (no JULES_API_KEY) on a DATA_DIR that survives a restart. */
async function start(dataDir: string): Promise<Orchestrator> {
  const config = loadConfig({
    DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', AUTOPILOT_ADMIN_KEY: ADMIN_KEY, JULES_DEMO_SESSIONS: '8', JULES_DEMO_NEW_SESSION_MS: '0',
    JULES_POLL_INTERVAL_MS: '600000', AUTH_FAILURES_PER_MINUTE: '100000',
  });
  return startOrchestrator(config, { listen: false });
}

const api = async (o: Orchestrator, p: string, init: { method?: string; json?: unknown } = {}) => {
  const res = await o.app.request(p, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
};

interface Row { id: string; julesId: string; accountId: string; state: string; title: string; deleted?: boolean }
const mirrored = async (o: Orchestrator): Promise<Row[]> => (await api(o, '/api/sessions?limit=200')).body.items;

const dirs: string[] = [];
let running: Orchestrator | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('demo mode keeps its world across a restart', () => {
  it('the same sessions (and the one the user created) are there after a restart, and none is deleted', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-demo-restart-'));
    dirs.push(dataDir);

    running = await start(dataDir);
    expect(running.jules.restored).toBe(false);
    await running.sessions.sessions.syncAll();
    const created = await api(running, '/api/sessions', {
      method: 'POST', json: { prompt: 'Add a changelog page', source: 'sources/github/acme-corp/storefront', startingBranch: 'main' },
    });
    expect(created.status).toBe(201);
    await running.sessions.sessions.syncAll();
    const first = await mirrored(running);
    expect(first.length).toBe(9);
    expect(first.map((s) => s.id)).toContain(created.body.id);
    const accountId = first[0].accountId;
    const upstreamBefore = running.jules.simulator!.sessions().map((s) => s.id).sort();
    await running.close();
    running = undefined;
    expect(fs.existsSync(simulatorStateFile(dataDir))).toBe(true);

    running = await start(dataDir);
    expect(running.jules.restored).toBe(true);
    // The simulator continues the same world...
    expect(running.jules.simulator!.sessions().map((s) => s.id).sort()).toEqual(upstreamBefore);
    // ...and the mirror still holds every session, under the same account, before and after a sync.
    const again = await mirrored(running);
    expect(again.map((s) => s.id).sort()).toEqual(first.map((s) => s.id).sort());
    const report = await running.sessions.sessions.syncAll();
    expect([...report.values()].reduce((n, r) => n + r.deleted, 0)).toBe(0);
    const synced = await mirrored(running);
    expect(synced.map((s) => s.id).sort()).toEqual(first.map((s) => s.id).sort());
    expect(new Set(synced.map((s) => s.accountId))).toEqual(new Set([accountId]));
    const mine = await api(running, `/api/sessions/${created.body.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.julesId).toBe(created.body.julesId);
    // One simulator account, the same row as before the restart.
    const accounts = await api(running, '/api/jules/accounts');
    expect(accounts.body.items.filter((a: { origin: string }) => a.origin === 'simulator').map((a: { id: string }) => a.id)).toEqual([accountId]);
  });

  it('a corrupt saved world is moved aside and a new world starts (its old sessions are not kept)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-demo-corrupt-'));
    dirs.push(dataDir);
    running = await start(dataDir);
    await running.sessions.sessions.syncAll();
    const old = (await mirrored(running)).map((s) => s.id);
    await running.close();
    running = undefined;
    fs.writeFileSync(simulatorStateFile(dataDir), '{ not json');

    running = await start(dataDir);
    expect(running.jules.restored).toBe(false);
    expect(fs.readdirSync(dataDir).some((f) => f.startsWith('jules-simulator.json.corrupt-'))).toBe(true);
    await running.sessions.sessions.syncAll();
    const now = (await mirrored(running)).map((s) => s.id);
    expect(now.length).toBe(8);
    expect(now.filter((id) => old.includes(id))).toEqual([]);
  });
  it('demo mode runs GitHub too: the sessions\' PRs are on the built-in GitHub simulator, linked to them, and still there after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-demo-github-'));
    dirs.push(dataDir);
    running = await start(dataDir);
    const gh = running.jules.githubDemo!;
    expect(gh.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Zero setup: the default workspace is connected to it.
    expect((await api(running, '/api/github/connection')).body).toMatchObject({ kind: 'token', login: 'demo-user', apiUrl: gh.baseUrl });
    // The demo world's AUTO_CREATE_PR sessions open their PRs there as they reach that point.
    const sim = running.jules.simulator!;
    let pr: { id: string; number: number; repo: string; htmlUrl: string; sessionId: string | null } | undefined;
    for (let i = 0; i < 100 && !pr; i++) {
      sim.clock.advance(300_000);
      await sim.githubIdle();
      await running.sessions.sessions.syncAll();
      expect((await api(running, '/api/github/sync', { method: 'POST' })).status).toBe(200);
      pr = (await api(running, '/api/github/pulls?limit=100')).body.items.find((p: { sessionId: string | null }) => p.sessionId !== null);
      if (!pr) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pr, 'the session opened a PR on the GitHub simulator and the mirror linked it').toBeDefined();
    expect(pr!.htmlUrl.startsWith(gh.baseUrl)).toBe(true);
    const onGitHub = (base: string) => fetch(`${base}/repos/${pr!.repo}/pulls/${pr!.number}`, { headers: { authorization: `token ${gh.token}` } });
    expect((await onGitHub(gh.baseUrl)).status).toBe(200);
    await running.close();
    running = undefined;
    expect(fs.existsSync(githubStateFile(dataDir))).toBe(true);

    running = await start(dataDir);
    const again = running.jules.githubDemo!;
    const res = await onGitHub(again.baseUrl);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { title: string }).title.length).toBeGreaterThan(0);
    expect((await api(running, `/api/github/pulls/${pr!.id}`)).body).toMatchObject({ number: pr!.number, sessionId: pr!.sessionId });
  });
});

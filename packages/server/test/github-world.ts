import { expect, vi } from 'vitest';
import { createGitHubSimulator, type ListeningGitHubSimulator } from '@autopilot/github-sim';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { DispatchIntent, KeeperAction, KeeperNotification, PullRequest, SessionDetail } from '@autopilot/contracts';
import { startTestOrchestrator, type TestOrchestrator } from './harness';

/*
 * The world of the GitHub loop's end-to-end suites (github-loop.test.ts, cli-github.test.ts): a real orchestrator
 * (in-process, listening, SQLite unless DATABASE_URL is given), a Jules simulator whose AUTO_CREATE_PR sessions open
 * their PRs on a GitHub simulator with a manual clock, GitHub connected through the API. The poll interval is an
 * hour: nothing is read from GitHub unless a test asks (POST /api/github/sync) or GitHub delivers a webhook.
 */

export const JULES_KEY = 'sim-key-github-loop-0123456789';
export const GH_TOKEN = 'ghp_githubloop0123456789abcdefghijklmn';
export const REPO = 'acme-corp/storefront';
export const SOURCE = `sources/github/${REPO}`;
const WAIT_MS = 25_000;

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = WAIT_MS): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface World {
  gh: ReturnType<typeof createGitHubSimulator>;
  ghServed: ListeningGitHubSimulator;
  jules: JulesSimulator;
  julesServed: ListeningSimulator;
  t: TestOrchestrator;
  ws: string;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /**
   * Moves the orchestrator's wall clock (Date.now, which its systemClock reads) forward: for waits of real minutes
   * (the merges feature's conflict grace period) in an in-process orchestrator. Timers are not affected.
   */
  passTime(ms: number): void;
  close(): Promise<void>;
}

export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const gh = createGitHubSimulator({ manualClock: true, seed: 'github-loop', tokens: { [GH_TOKEN]: 'octo-bot' }, repos: [{ owner: 'acme-corp', name: 'storefront', allowAutoMerge: false }] });
  const ghServed = await gh.listen(0);
  const jules = createJulesSimulator({ apiKeys: [JULES_KEY], sessions: 0, manualClock: true, seed: 'github-loop', github: { baseUrl: ghServed.baseUrl, token: GH_TOKEN } });
  const julesServed = await jules.listen(0, '127.0.0.1');
  const t = await startTestOrchestrator(
    { JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: julesServed.baseUrl, JULES_POLL_INTERVAL_MS: '500', GITHUB_API_URL: ghServed.baseUrl, GITHUB_POLL_INTERVAL_MS: '3600000', ...env },
    { listen: true },
  );
  const api = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await t.request(path, { method, ...(body !== undefined ? { json: body } : {}) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} -> ${r.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const me = await api<{ workspace: { id: string } }>('GET', '/api/me');
  // No keeper actions of its own (nudges, answers) in the counts: only the GitHub loop messages sessions here.
  await api('PUT', '/api/keeper/settings', { stall: { enabled: false }, stuck: { enabled: false }, answers: { enabled: false }, autoContinue: { enabled: false } });
  await api('PUT', '/api/github/connection', { token: GH_TOKEN });
  const realNow = Date.now.bind(Date);
  let offset = 0;
  return {
    gh, ghServed, jules, julesServed, t, ws: me.workspace.id, api,
    passTime(ms) {
      if (offset === 0) vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
      offset += ms;
    },
    async close() {
      if (offset !== 0) vi.mocked(Date.now).mockRestore();
      await t.close();
      await julesServed.close();
      await ghServed.close();
    },
  };
}

export type Page<T> = { items: T[]; nextCursor: string | null };
export type PullPage = Page<PullRequest>;
export type DispatchIntentPage = Page<DispatchIntent>;
export type KeeperNotificationPage = Page<KeeperNotification>;

/** Creates a session through the API with autoCreatePr and moves Jules' clock until its PR is open on GitHub. */
export async function sessionWithPr(w: World, prompt: string): Promise<{ session: SessionDetail; pr: PullRequest }> {
  const r = await w.t.request('/api/sessions', { method: 'POST', json: { prompt: `${prompt} [sim:happy]`, source: SOURCE, startingBranch: 'main', autoCreatePr: true } });
  expect(r.status).toBe(201);
  const session = (await r.json()) as SessionDetail;
  await until(`session ${session.id} to publish its PR`, async () => {
    w.jules.clock.advance(120_000);
    await w.jules.githubIdle();
    const s = await w.api<SessionDetail>('GET', `/api/sessions/${session.id}`);
    return s.prUrl?.startsWith(w.ghServed.baseUrl) ? s : undefined;
  });
  const pr = await until(`the PR of ${session.id} to be linked`, async () => {
    await w.api('POST', '/api/github/sync');
    return (await w.api<PullPage>('GET', `/api/github/pulls?sessionId=${encodeURIComponent(session.id)}`)).items[0];
  });
  expect(pr.repo).toBe(REPO);
  return { session, pr };
}

/** The user messages Jules holds for a session (its own activities, every page). */
export async function userMessages(w: World, julesId: string): Promise<string[]> {
  const out: string[] = [];
  let token = '';
  do {
    const r = await fetch(`${w.julesServed.baseUrl}/sessions/${julesId}/activities?pageSize=100${token ? `&pageToken=${token}` : ''}`, { headers: { 'x-goog-api-key': JULES_KEY } });
    expect(r.status).toBe(200);
    const page = (await r.json()) as { activities?: Array<{ userMessaged?: { userMessage: string } }>; nextPageToken?: string };
    for (const a of page.activities ?? []) if (a.userMessaged) out.push(a.userMessaged.userMessage);
    token = page.nextPageToken ?? '';
  } while (token);
  return out;
}

export const ledger = (w: World, action: string) => w.api<{ items: KeeperAction[] }>('GET', `/api/keeper/logs?action=${action}&limit=500`).then((p) => p.items);
export const notifications = (w: World, kind: string, sessionId: string) =>
  w.api<KeeperNotificationPage>('GET', `/api/keeper/notifications?status=all&limit=200&sessionId=${encodeURIComponent(sessionId)}`).then((p) => p.items.filter((n) => n.kind === kind));

/** CI fails on the PR's head: the check completes as a failure once the GitHub clock passes its delay. */
export function failCi(w: World, n: number): void {
  w.gh.setCi(REPO, { conclusion: 'failure', delaySeconds: 30, checks: ['build', 'test'], failing: ['test'], annotations: [{ path: 'src/cart.ts', start_line: 12, end_line: 12, annotation_level: 'failure', message: 'expected 3 to be 4' }], logTail: 'FAIL src/cart.test.ts\nexpected 3 to be 4' }, n);
  w.gh.advance(60);
}

/** Several more polls: whatever was going to be sent for what GitHub shows now has been sent by the end. */
export async function settle(w: World, polls = 3): Promise<void> {
  for (let i = 0; i < polls; i++) {
    await w.api('POST', '/api/github/sync');
    await new Promise((r) => setTimeout(r, 300));
  }
}


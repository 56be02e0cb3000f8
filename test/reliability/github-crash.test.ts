import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubSimulator, type ListeningGitHubSimulator } from '@autopilot/github-sim';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import type { KeeperAction, KeeperNotification, PullRequest, SessionDetail } from '@autopilot/contracts';
import { apiClient, startServe, until, type ServeProcess } from '../../packages/server/src/features/keeper/test/process';
import { allowEntry } from './retry-log';

/*
 * The CI-fixing cap across crashes (issue #14): the orchestrator is a child process on a file SQLite database in
 * its DATA_DIR, both simulators live in this process. Two failing commits get two messages; the orchestrator is
 * SIGKILLed right after the third failure is reported (the poll that reads it under way), restarted, and killed
 * again mid-way through processing a fourth; after the last restart on the same DATA_DIR the loop goes on from the
 * database alone, and a fifth failing commit follows. Counted on the Jules simulator (userMessaged activities and the sendMessage
 * requests it answered): exactly two CI messages ever reached Jules, one escalation, never a third message.
 */

const JULES_KEY = 'sim-key-github-crash-0123456789';
const ADMIN = 'github-crash-owner-key-0123456789';
const GH_TOKEN = 'ghp_githubcrash0123456789abcdefghijklm';
const REPO = 'acme-corp/storefront';

let gh: ReturnType<typeof createGitHubSimulator>;
let ghServed: ListeningGitHubSimulator;
let jules: JulesSimulator;
let julesServed: ListeningSimulator;
let dir: string;
let proc: ServeProcess | undefined;
const api = apiClient(() => proc!.url, ADMIN);

const env = () => ({
  DATA_DIR: dir, AUTOPILOT_ADMIN_KEY: ADMIN, JULES_API_KEY: JULES_KEY, JULES_API_BASE_URL: julesServed.baseUrl, JULES_POLL_INTERVAL_MS: '500',
  GITHUB_API_URL: ghServed.baseUrl, GITHUB_POLL_INTERVAL_MS: '1000', AUTOPILOT_OUTBOUND_ALLOW: `${allowEntry(julesServed.baseUrl)},${allowEntry(ghServed.baseUrl)}`,
  KEEPER_PENDING_STALE_MS: '1000', LOG_LEVEL: 'info',
});

const t0 = Date.now();
/** Progress on stderr (a slow step is then visible in the run's output). */
const step = (what: string) => process.stderr.write(`github-crash +${((Date.now() - t0) / 1000).toFixed(1)}s ${what}\n`);

async function restart(): Promise<void> {
  step('SIGKILL and restart');
  await proc?.kill('SIGKILL');
  proc = await startServe(env());
  step('restarted');
}

/** The user messages Jules holds for the session (every page of its activities). */
async function userMessages(julesId: string): Promise<string[]> {
  const out: string[] = [];
  let token = '';
  do {
    const r = await fetch(`${julesServed.baseUrl}/sessions/${julesId}/activities?pageSize=100${token ? `&pageToken=${token}` : ''}`, { headers: { 'x-goog-api-key': JULES_KEY } });
    const page = (await r.json()) as { activities?: Array<{ userMessaged?: { userMessage: string } }>; nextPageToken?: string };
    for (const a of page.activities ?? []) if (a.userMessaged) out.push(a.userMessaged.userMessage);
    token = page.nextPageToken ?? '';
  } while (token);
  return out;
}
const sendMessages = (julesId: string) => jules.log().filter((e) => e.route === 'sessions.sendMessage' && e.sessionId === julesId && e.status < 300).length;
const escalations = async (sessionId: string) =>
  (await api<{ items: KeeperNotification[] }>('GET', `/api/keeper/notifications?status=all&limit=200&sessionId=${encodeURIComponent(sessionId)}`)).items.filter((n) => n.kind === 'ci_escalated');

function failingCommit(n: number, i: number): void {
  gh.pushToPull(REPO, n, { 'src/cart.ts': `export const total = ${i};\n` }, `Attempt ${i}`);
  gh.setCi(REPO, { conclusion: 'failure', delaySeconds: 30, failing: ['test'], logTail: `expected ${i} to be 4` }, n);
  gh.advance(60);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'github-crash-'));
  gh = createGitHubSimulator({ manualClock: true, seed: 'github-crash', tokens: { [GH_TOKEN]: 'octo-bot' }, repos: ['acme-corp/storefront'] });
  ghServed = await gh.listen(0);
  jules = createJulesSimulator({ apiKeys: [JULES_KEY], sessions: 0, manualClock: true, seed: 'github-crash', logCapacity: 100_000, github: { baseUrl: ghServed.baseUrl, token: GH_TOKEN } });
  julesServed = await jules.listen(0, '127.0.0.1');
});

afterAll(async () => {
  if (process.env.GITHUB_CRASH_DEBUG && proc) fs.writeFileSync(path.join(os.tmpdir(), 'github-crash-child.log'), proc.output());
  await proc?.kill('SIGKILL');
  await julesServed?.close();
  await ghServed?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('CI fixing across SIGKILLs', () => {
  it('two messages, one escalation, and never a third message through two kills and restarts', { timeout: 90_000 }, async () => {
    proc = await startServe(env());
    await api('PUT', '/api/keeper/settings', { stall: { enabled: false }, stuck: { enabled: false }, answers: { enabled: false }, autoContinue: { enabled: false } });
    await api('PUT', '/api/github/connection', { token: GH_TOKEN });
    await api('PUT', '/api/github/automation', { repo: REPO, ciFix: { enabled: true, maxPerPr: 2, afterCap: 'escalate' } });

    const session = await api<SessionDetail>('POST', '/api/sessions', { prompt: 'Add a discount line to the cart [sim:happy]', source: REPO, startingBranch: 'main', autoCreatePr: true });
    await until(async () => {
      jules.clock.advance(120_000);
      await jules.githubIdle();
      return !!(await api<SessionDetail>('GET', `/api/sessions/${session.id}`)).prUrl?.startsWith(ghServed.baseUrl);
    }, 'the session to publish its PR', 200, 30_000);
    let pr: PullRequest | undefined;
    await until(async () => !!(pr = (await api<{ items: PullRequest[] }>('GET', `/api/github/pulls?sessionId=${encodeURIComponent(session.id)}`)).items[0]), 'the PR to be linked', 200, 20_000);
    const n = pr!.number;
    step(`PR #${n} linked`);
    const base = (await userMessages(session.julesId)).length;

    // Two failing commits: two messages.
    gh.setCi(REPO, { conclusion: 'failure', delaySeconds: 30, failing: ['test'], logTail: 'expected 3 to be 4' }, n);
    gh.advance(60);
    await until(async () => (await userMessages(session.julesId)).length === base + 1, 'the first CI message', 200, 15_000);
    step('first message');
    failingCommit(n, 2);
    await until(async () => (await userMessages(session.julesId)).length === base + 2, 'the second CI message', 200, 15_000);

    step('second message');
    // The third failure: reported, and the orchestrator killed while the poll that reads it is under way.
    failingCommit(n, 3);
    void api('POST', '/api/github/sync').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    await restart();
    // A fourth failing commit, read at once by the restarted orchestrator (a poll now: the dead instance's poller
    // lease has not expired yet), which is killed mid-way through processing it.
    failingCommit(n, 4);
    void api('POST', '/api/github/sync').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 400));
    await restart();
    // From the database alone: the escalation (once), and nothing sent for the failures after the cap.
    await api('POST', '/api/github/sync');
    await until(async () => (await escalations(session.id)).length >= 1, 'the escalation', 200, 40_000);
    step('escalated');
    failingCommit(n, 5);
    await api('POST', '/api/github/sync');
    await until(async () => (await api<{ items: unknown[] }>('GET', `/api/ci/runs?repo=${REPO}&pr=${n}&conclusion=failure&limit=50`)).items.length >= 5, 'the fifth failure read', 100, 10_000);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await api('POST', '/api/github/sync');
    }
    step('settled');

    const messages = (await userMessages(session.julesId)).slice(base);
    expect(messages, messages.join('\n---\n')).toHaveLength(2);
    expect(sendMessages(session.julesId)).toBe(2);
    expect(await escalations(session.id)).toHaveLength(1);
    const rows = (await api<{ items: KeeperAction[] }>('GET', '/api/keeper/logs?limit=500')).items.filter((a) => a.sessionId === session.id);
    expect(rows.filter((a) => a.kind === 'ci_fix').map((a) => a.status)).toEqual(['sent', 'sent']);
    expect(rows.filter((a) => a.kind === 'escalate').map((a) => a.trigger)).toEqual([`ci-cap:${REPO}#${n}`]);
  });
});

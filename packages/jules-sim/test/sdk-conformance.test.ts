// Conformance: Google's official client, @google/jules-sdk, drives the simulator over real HTTP and parses every
// answer with its own code. If these pass, the wire format is what Google's client expects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutomatedSessionFailedError, MemorySessionStorage, MemoryStorage, connect } from '@google/jules-sdk';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '../src/index.ts';

const API_KEY = 'sdk-test-key';
let sim: JulesSimulator;
let srv: ListeningSimulator;
let home: string;
let jules: ReturnType<typeof connect>;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'jules-home-'));
  process.env.JULES_HOME = home;
  // The SDK throws on activities without a known member, so the bare "Session started" activity is turned off here.
  sim = createJulesSimulator({ apiKeys: [API_KEY], seed: 42, speed: 400, startedActivity: false });
  srv = await sim.listen(0, '127.0.0.1');
  jules = connect({
    apiKey: API_KEY,
    baseUrl: srv.baseUrl,
    storageFactory: { activity: () => new MemoryStorage(), session: () => new MemorySessionStorage() },
    config: { pollingIntervalMs: 25, rateLimitRetry: { baseDelayMs: 10, maxDelayMs: 50 } },
  });
});

afterAll(async () => {
  await srv.close();
  await rm(home, { recursive: true, force: true });
});

type Act = { type: string; artifacts: Array<{ type: string; parsed?: () => { files: unknown[] } }> };

async function streamUntilDone(stream: AsyncIterable<Act>): Promise<Act[]> {
  const seen: Act[] = [];
  for await (const a of stream) {
    seen.push(a);
    if (a.type === 'sessionCompleted' || a.type === 'sessionFailed') break;
  }
  return seen;
}

describe('@google/jules-sdk against the simulator', () => {
  it('run() on a repo: streams activities to completion and result() has the pull request', async () => {
    const run = await jules.run({
      prompt: 'Fix the login redirect loop [sim:happy]',
      source: { github: 'acme-corp/storefront', baseBranch: 'main' },
    });
    expect(run.id).toMatch(/^\d{19,20}$/);
    const acts = await streamUntilDone(run.stream() as AsyncIterable<Act>);
    const types = acts.map((a) => a.type);
    expect(types[0]).toBe('planGenerated');
    expect(types).toContain('planApproved');
    expect(types).toContain('progressUpdated');
    expect(types.at(-1)).toBe('sessionCompleted');
    const withPatch = acts.flatMap((a) => a.artifacts).filter((x) => x.type === 'changeSet');
    expect(withPatch.length).toBeGreaterThan(0);
    expect(withPatch.at(-1)!.parsed!().files.length).toBeGreaterThan(0);
    const outcome = await run.result();
    expect(outcome.state).toBe('completed');
    expect(outcome.pullRequest?.url).toMatch(/^https:\/\/github\.com\/acme-corp\/storefront\/pull\/\d+$/);
  });

  it('run() repoless: result() carries a change set with generated files', async () => {
    const run = await jules.run({ prompt: 'Write a docs guide for the parser [sim:happy]', autoPr: false });
    const outcome = await run.result();
    expect(outcome.state).toBe('completed');
    expect(outcome.pullRequest).toBeUndefined();
    const cs = outcome.changeSet();
    expect(cs?.parsed().files.length).toBeGreaterThan(0);
    expect(outcome.generatedFiles().all().length).toBeGreaterThan(0);
  });

  it('session() waits for plan approval, approve() lets it finish', async () => {
    const session = await jules.session({
      prompt: 'Add pagination to the orders table [sim:happy]',
      source: { github: 'acme-corp/payments-api', baseBranch: 'main' },
    });
    await session.waitFor('awaitingPlanApproval');
    const info = await session.info();
    expect(info.state).toBe('awaitingPlanApproval');
    expect(info.requirePlanApproval).toBeUndefined(); // input-only on the live API: never read back
    await session.approve();
    const outcome = await session.result();
    expect(outcome.pullRequest?.url).toMatch(/^https:\/\/github\.com\/acme-corp\/payments-api\/pull\/\d+$/);
    const history: Act[] = [];
    for await (const a of session.history()) history.push(a as Act);
    expect(history.map((a) => a.type)).toContain('planApproved');
  });

  it('send() answers a question; ask() gets the agent reply', async () => {
    const session = await jules.session({ prompt: 'Refactor the webhook handler [sim:question]', requireApproval: false });
    await session.waitFor('awaitingUserFeedback');
    const reply = await session.ask('Keep the old behaviour as the default.');
    expect(reply.message.length).toBeGreaterThan(0);
    const outcome = await session.result();
    expect(outcome.state).toBe('completed');
    // A message wakes the completed session: more work, then it completes a second time.
    await session.send('Please also update the changelog.');
    expect((await session.result()).state).toBe('completed');
    const history: Act[] = [];
    for await (const a of session.history()) history.push(a as Act);
    expect(history.filter((a) => a.type === 'sessionCompleted')).toHaveLength(2);
    expect(history.filter((a) => a.type === 'userMessaged')).toHaveLength(2);
  });

  it('a failed session makes result() throw the SDK failure error', async () => {
    const run = await jules.run({ prompt: 'Upgrade the build tool [sim:fail]', autoPr: false });
    await expect(run.result()).rejects.toBeInstanceOf(AutomatedSessionFailedError);
  });

  it('sessions() pages newest first; sources.get() and sources() resolve repositories', async () => {
    const first = await jules.sessions({ pageSize: 2 });
    expect(first.sessions).toHaveLength(2);
    expect(first.nextPageToken).toBeTruthy();
    const all = await jules.sessions({ pageSize: 2 }).all();
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const times = all.map((s) => s.createTime);
    expect([...times].sort().reverse()).toEqual(times);

    const src = await jules.sources.get({ github: 'acme-corp/storefront' });
    expect(src?.githubRepo.defaultBranch).toBe('main');
    expect(src?.githubRepo.branches).toContain('develop');
    expect(await jules.sources.get({ github: 'nobody/nothing' })).toBeUndefined();
    const names: string[] = [];
    for await (const s of jules.sources({ pageSize: 2 })) names.push(s.name);
    expect(names).toContain('sources/github/octo-labs/cli-tools');
  });

  it('archive() hides a session from the default list; the archived filter shows it', async () => {
    const run = await jules.run({ prompt: 'Add a health check endpoint [sim:happy]', autoPr: false });
    await run.result();
    await jules.session(run.id).archive();
    const live = await jules.sessions({ pageSize: 100 }).all();
    expect(live.map((s) => s.id)).not.toContain(run.id);
    const archived = await jules.sessions({ pageSize: 100, filter: 'archived = true' }).all();
    expect(archived.find((s) => s.id === run.id)?.archived).toBe(true);
    await jules.session(run.id).unarchive();
    const again = await jules.sessions({ pageSize: 100 }).all();
    expect(again.map((s) => s.id)).toContain(run.id);
  });

  it('the SDK retries a 429 and still succeeds; sync() pulls sessions and activities', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.list', kind: '429', count: 1, retryAfterSeconds: 0 }] });
    const stats = await jules.sync({ depth: 'activities', limit: 3, incremental: false });
    expect(stats.sessionsIngested).toBe(3);
    expect(stats.activitiesIngested).toBeGreaterThan(0);
    expect(sim.stats().requests.byStatus['429']).toBe(1);
    sim.setFaults({});
  });
});

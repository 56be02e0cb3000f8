import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJulesSimulator, type JulesSimulator, type ListeningSimulator } from '@autopilot/jules-sim';
import { leaks, runAction } from './run-action';

/*
 * Direct mode: the built dist/index.js, run as GitHub runs it, against the Jules simulator over HTTP with a Jules
 * key (no orchestrator). The simulator's agents run fast (speed 300: a session takes a second or two).
 */
const KEY = 'jules-key-action-test-0123456789abcdef';

describe('the GitHub Action, directly on the Jules API (simulator)', () => {
  let sim: JulesSimulator;
  let served: ListeningSimulator;
  const inputs = (extra: Record<string, string> = {}) => ({ 'jules-api-key': KEY, 'jules-api-url': served.baseUrl, 'poll-interval-seconds': '0.2', ...extra });
  const wire = async (id: string) => {
    const r = await sim.app.request(`/v1alpha/sessions/${id}`, { headers: { 'x-goog-api-key': KEY } });
    expect(r.status).toBe(200);
    return (await r.json()) as { prompt: string; state: string; sourceContext?: { source: string; githubRepoContext?: { startingBranch: string } } };
  };

  beforeAll(async () => {
    sim = createJulesSimulator({ apiKeys: [KEY], sessions: 0, speed: 300, seed: 'github-action' });
    served = await sim.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await served?.close();
  });

  it('a scheduled run waits for done: outputs, summary with links, the session on Jules with the prompt and the schedule as marked context', async () => {
    const r = await runAction({
      inputs: inputs({ prompt: 'Update the outdated dependencies [sim:happy]', title: 'Weekly dependency update', wait: 'done', 'timeout-minutes': '2' }),
      event: { name: 'schedule', payload: { schedule: '0 6 * * 1' } },
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.state).toBe('COMPLETED');
    expect(r.outputs['session-id']).toMatch(/^\d{19,20}$/);
    expect(r.outputs['jules-session-id']).toBe(r.outputs['session-id']);
    expect(r.outputs['pr-url']).toMatch(/^https:\/\/github\.com\/acme-corp\/storefront\/pull\/\d+$/);
    expect(r.outputs['session-url']).toBe(`https://jules.google.com/session/${r.outputs['session-id']}`);
    expect(r.outputs['dashboard-url']).toBe('');
    expect(r.summary).toContain(`<a href="${r.outputs['session-url']}">`);
    expect(r.summary).toContain(`<a href="${r.outputs['pr-url']}">`);
    expect(r.summary).toContain('COMPLETED');
    expect(r.summary).toContain('the Jules API');

    const s = await wire(r.outputs['session-id']);
    expect(s.prompt.startsWith('Update the outdated dependencies [sim:happy]\n')).toBe(true);
    expect(s.prompt).toContain('untrusted data from GitHub');
    expect(s.prompt).toContain('"schedule": "0 6 * * 1"');
    expect(s.prompt).toContain('"url": "https://github.com/acme-corp/storefront/actions/runs/4242"');
    expect(s.sourceContext).toMatchObject({ source: 'sources/github/acme-corp/storefront', githubRepoContext: { startingBranch: 'main' } });
    expect(leaks(r.stdout, KEY)).toEqual([]);
    expect(r.stdout).toContain(`::add-mask::${KEY}`);
  });

  it('a pull_request run starts from the head branch, not GITHUB_REF_NAME (n/merge); wait none returns at once', async () => {
    const r = await runAction({
      inputs: inputs({ prompt: 'Review this change [sim:happy]', 'event-context': 'false' }),
      event: { name: 'pull_request', payload: { pull_request: { number: 7, title: 'x' } } },
      env: { GITHUB_REF_NAME: '7/merge', GITHUB_HEAD_REF: 'develop' },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(['QUEUED', 'PLANNING']).toContain(r.outputs.state);
    expect(r.outputs['pr-url']).toBe('');
    const s = await wire(r.outputs['session-id']);
    expect(s.sourceContext?.githubRepoContext?.startingBranch).toBe('develop');
    // event-context: false sends the prompt alone.
    expect(s.prompt).toBe('Review this change [sim:happy]');
  });

  it('a wrong key fails with exit code 1 and a message naming jules-api-key; the key is never printed', async () => {
    const wrong = 'wrong-jules-key-000000000000000000000';
    const before = sim.sessions().length;
    const r = await runAction({ inputs: { ...inputs({ prompt: 'Anything [sim:happy]' }), 'jules-api-key': wrong } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error::Jules API: could not create the session: HTTP 401 .*check the jules-api-key input/m);
    expect(leaks(r.stdout, wrong)).toEqual([]);
    expect(r.stderr).not.toContain(wrong);
    expect(r.summary).not.toContain(wrong);
    expect(sim.sessions().length).toBe(before);
  });

  it('no key at all fails naming jules-api-key; a bad wait value fails naming wait; nothing is created', async () => {
    const before = sim.sessions().length;
    const none = await runAction({ inputs: { prompt: 'x' } });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('::error::Input "jules-api-key" is required');
    const badWait = await runAction({ inputs: inputs({ prompt: 'x', wait: 'forever' }) });
    expect(badWait.code).toBe(1);
    expect(badWait.stdout).toContain('::error::Input "wait" must be one of none, for-plan, for-pr, done');
    const noPrompt = await runAction({ inputs: inputs() });
    expect(noPrompt.code).toBe(1);
    expect(noPrompt.stdout).toContain('::error::Input "prompt" is required');
    expect(noPrompt.outputs).toEqual({});
    expect(sim.sessions().length).toBe(before);
  });

  it('a session that fails while waiting fails the step, with its state in the outputs and the summary', async () => {
    const r = await runAction({ inputs: inputs({ prompt: 'Break something [sim:fail]', wait: 'done', 'timeout-minutes': '2' }) });
    expect(r.code).toBe(1);
    expect(r.outputs.state).toBe('FAILED');
    expect(r.outputs['session-id']).toMatch(/^\d+$/);
    expect(r.stdout).toMatch(/^::error::the session failed \(state FAILED\)/m);
    expect(r.summary).toContain('Jules session: failed');
  });

  it('waiting for a PR on a session held for plan approval times out honestly, naming the state', async () => {
    const r = await runAction({ inputs: inputs({ prompt: 'Needs approval [sim:approval]', 'require-plan-approval': 'true', wait: 'for-pr', 'timeout-minutes': '0.1' }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::warning::Session');
    expect(r.stdout).toMatch(/^::error::timed out after 0\.1 minutes waiting for a pull request; the session is AWAITING_PLAN_APPROVAL/m);
    expect(r.outputs.state).toBe('AWAITING_PLAN_APPROVAL');
    expect(r.outputs['pr-url']).toBe('');
  });

  it('a 429 on create is waited out and tried again; 503s while polling are retried; a 404 while polling ends the step at once', async () => {
    sim.setFaults({ rules: [{ op: 'sessions.create', kind: '429', count: 1, retryAfterSeconds: 1 }, { op: 'sessions.get', kind: '503', count: 2, retryAfterSeconds: 0 }] });
    try {
      const r = await runAction({ inputs: inputs({ prompt: 'Survive a bumpy API [sim:happy]', wait: 'done' }) });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^::warning::Jules API: could not create the session: HTTP 429 RESOURCE_EXHAUSTED.*; trying again in 1 s$/m);
      expect(r.stdout).toMatch(/^::warning::Jules API: could not read session \d+: HTTP 503 UNAVAILABLE.*\(2 failed reads of session \d+ in a row\)$/m);
      expect(r.outputs.state).toBe('COMPLETED');
      expect((await wire(r.outputs['session-id'])).state).toBe('COMPLETED');
    } finally {
      sim.setFaults({});
    }

    sim.setFaults({ rules: [{ op: 'sessions.get', kind: '404', count: -1 }] });
    try {
      const gone = await runAction({ inputs: inputs({ prompt: 'Vanishes [sim:happy]', wait: 'done' }) });
      expect(gone.code).toBe(1);
      expect(gone.stdout).toMatch(/^::error::Jules API: could not read session \d+: HTTP 404 NOT_FOUND/m);
      expect(gone.stdout).not.toContain('::warning::Jules API');
      expect(gone.outputs['session-id']).toMatch(/^\d+$/);
    } finally {
      sim.setFaults({});
    }
  });
});

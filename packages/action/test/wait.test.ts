import { describe, expect, it } from 'vitest';
import { poller, reached, waitForSession, WaitError } from '../src/wait';
import { RemoteError, type Backend, type SessionView } from '../src/session';

/* The polling rules with an injected clock and sleep (no real waiting): backoff, reset on change, Retry-After. */
function fakeTime() {
  let t = 0;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept };
}
const view = (state: string, prUrl?: string): SessionView => ({ id: 's1', julesId: 's1', state, prUrl });

describe('waiting for a session', () => {
  it('backs off 1.5x while nothing changes, capped at 8x the interval, and starts again after a change', async () => {
    const time = fakeTime();
    const states = ['QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', 'PLANNING', 'PLANNING', 'COMPLETED'];
    const b: Backend = { kind: 'jules', start: async () => ({ session: view('QUEUED') }), get: async () => view(states.shift()!) };
    const s = await waitForSession(b, view('QUEUED'), { wait: 'done', timeoutMs: 600_000, pollMs: 1000, ...time });
    expect(s.state).toBe('COMPLETED');
    expect(time.slept).toEqual([1000, 1500, 2250, 3375, 5063, 7595, 8000, 8000, 1000, 1500]);
  });

  it('retries transient errors honouring Retry-After, and gives up on the first other error', async () => {
    const time = fakeTime();
    let calls = 0;
    const b: Backend = {
      kind: 'jules',
      start: async () => ({ session: view('QUEUED') }),
      get: async () => {
        calls++;
        if (calls === 1) throw new RemoteError('busy', 429, true, 30_000);
        if (calls === 2) throw new RemoteError('gone', 404, false);
        return view('COMPLETED');
      },
    };
    await expect(waitForSession(b, view('QUEUED'), { wait: 'done', timeoutMs: 600_000, pollMs: 1000, ...time })).rejects.toThrow('gone');
    expect(time.slept).toEqual([1000, 30_000]);
  });

  it('times out with the last state, never sleeping past the deadline', async () => {
    const time = fakeTime();
    const b: Backend = { kind: 'jules', start: async () => ({ session: view('QUEUED') }), get: async () => view('AWAITING_PLAN_APPROVAL') };
    const err = await waitForSession(b, view('QUEUED'), { wait: 'for-pr', timeoutMs: 10_000, pollMs: 4000, ...time }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitError);
    expect((err as WaitError).message).toBe('timed out after 0.2 minutes waiting for a pull request; the session is AWAITING_PLAN_APPROVAL');
    expect((err as WaitError).last?.state).toBe('AWAITING_PLAN_APPROVAL');
    expect(time.slept.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('knows when each wait is reached, and when it never will be', () => {
    expect(reached('for-plan', view('PLANNING'))).toBe(false);
    expect(reached('for-plan', view('AWAITING_PLAN_APPROVAL'))).toBe(true);
    expect(reached('for-pr', view('IN_PROGRESS'))).toBe(false);
    expect(reached('for-pr', view('IN_PROGRESS', 'https://github.com/o/r/pull/1'))).toBe(true);
    expect(reached('for-pr', view('COMPLETED'))).toBe('the session completed without opening a pull request');
    expect(reached('done', view('FAILED'))).toMatch(/^the session failed/);
    expect(reached('done', view('COMPLETED'))).toBe(true);
    expect(poller({ wait: 'done', timeoutMs: 1, pollMs: 1, now: () => 5 }).deadline).toBe(6);
  });
});

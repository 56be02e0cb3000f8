import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { AppError } from '../../errors';
import { createLogger } from '../../logger';
import { openHarness, type ContractQueue, type QueueHarness, type QueueTarget } from './harness';

/**
 * The queue contract: one set of cases every JobQueue adapter must pass (embedded on SQLite and PostgreSQL, BullMQ
 * on Redis). Each case gets a fresh store from `factory`. No assertion depends on how long something took: cases
 * assert order, states and counts, and wait for conditions with a generous deadline only to avoid hanging.
 */
export interface ContractStore {
  target: QueueTarget;
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; fails with `what` if it never does. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(15);
  }
}

/** A promise with its resolver, for handlers that wait on the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

/** Registers the contract suite for one adapter. */
export function runQueueContract(name: string, factory: () => Promise<ContractStore>): void {
  describe(`queue contract: ${name}`, () => {
    let store: ContractStore;
    let h: QueueHarness;
    let q: ContractQueue;
    const stateOf = async (id: string, queue = q) => (await queue.getJob(id))?.state;

    beforeEach(async () => {
      store = await factory();
      h = await openHarness(store.target);
      q = await h.makeQueue();
    });
    afterEach(async () => {
      await h.close();
      await store.cleanup();
    });

    it('stores a job and runs its handler once with the parsed payload', async () => {
      const seen: Array<{ n: number; attempt: number; workspaceId: string | null; id: string }> = [];
      q.handle('echo', async (p, ctx) => void seen.push({ n: p.n, attempt: ctx.attempt, workspaceId: ctx.workspaceId, id: ctx.id }));
      const r = await q.enqueue('echo', { n: 7 }, { workspaceId: 'ws1' });
      expect(r.deduped).toBe(false);
      expect(await stateOf(r.id)).toBe('waiting');
      await q.start();
      await waitFor('echo completed', async () => (await stateOf(r.id)) === 'completed');
      expect(seen).toEqual([{ n: 7, attempt: 1, workspaceId: 'ws1', id: r.id }]);
      expect(await q.getJob(r.id)).toMatchObject({ id: r.id, name: 'echo', state: 'completed', attempts: 1, lastError: null });
      expect(await q.getJob('no-such-job')).toBeNull();
    });

    it('rejects an invalid payload or an unknown job name without storing anything', async () => {
      await expect(q.enqueue('echo', { n: 'x' } as never)).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(q.enqueue('echo', { n: 'x' } as never)).rejects.toBeInstanceOf(AppError);
      await expect(q.enqueue('nope' as never, {} as never)).rejects.toMatchObject({ code: 'bad_request' });
      expect(await q.counts()).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 });
    });

    it('does not run a delayed job before its delay', async () => {
      const order: number[] = [];
      q.handle('echo', async (p) => void order.push(p.n));
      await q.start();
      const later = await q.enqueue('echo', { n: 1 }, { delayMs: 1500 });
      const now = await q.enqueue('echo', { n: 2 });
      await waitFor('immediate job completed', async () => (await stateOf(now.id)) === 'completed');
      expect(await stateOf(later.id)).toBe('delayed');
      expect(order).toEqual([2]);
      await waitFor('delayed job completed', async () => (await stateOf(later.id)) === 'completed');
      expect(order).toEqual([2, 1]);
    });

    it('retries with backoff, then fails with the last error once attempts are exhausted', async () => {
      const attempts: number[] = [];
      q.handle('flaky', async (_p, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error(`boom ${ctx.attempt}`);
      });
      await q.start();
      const r = await q.enqueue('flaky', {});
      await waitFor('first attempt', () => attempts.length === 1);
      await waitFor('backing off before the retry', async () => (await stateOf(r.id)) === 'delayed');
      expect(attempts).toEqual([1]);
      await waitFor('job failed', async () => (await stateOf(r.id)) === 'failed');
      const job = await q.getJob(r.id);
      expect(job).toMatchObject({ state: 'failed', attempts: 2 });
      expect(job?.lastError).toContain('boom 2');
      expect(attempts).toEqual([1, 2]);
      expect((await q.counts()).failed).toBe(1);
    });

    it('dedupes on a key while the job is waiting or active, per job name, and releases the key when it finishes', async () => {
      const running = gate();
      const release = gate();
      q.handle('echo', async () => undefined);
      q.handle('other', async () => undefined);
      q.handle('slow', async () => {
        running.open();
        await release.opened;
      });
      const first = await q.enqueue('echo', { n: 1 }, { dedupeKey: 'k' });
      expect(await q.enqueue('echo', { n: 2 }, { dedupeKey: 'k' })).toEqual({ id: first.id, deduped: true });
      expect((await q.enqueue('other', { n: 3 }, { dedupeKey: 'k' })).deduped).toBe(false);
      const slow = await q.enqueue('slow', {}, { dedupeKey: 's' });
      await q.start();
      await waitFor('first echo completed', async () => (await stateOf(first.id)) === 'completed');
      const again = await q.enqueue('echo', { n: 4 }, { dedupeKey: 'k' });
      expect(again.deduped).toBe(false);
      expect(again.id).not.toBe(first.id);
      await running.opened;
      expect(await q.enqueue('slow', {}, { dedupeKey: 's' })).toEqual({ id: slow.id, deduped: true });
      release.open();
      await waitFor('slow completed', async () => (await stateOf(slow.id)) === 'completed');
      await waitFor('second echo completed', async () => (await stateOf(again.id)) === 'completed');
    });

    it('never runs more handlers of a job at once than its concurrency', async () => {
      let active = 0;
      let max = 0;
      q.handle('limited', async () => {
        max = Math.max(max, ++active);
        await sleep(150);
        active--;
      });
      const ids = [];
      for (let i = 0; i < 6; i++) ids.push((await q.enqueue('limited', { i })).id);
      await q.start();
      for (const id of ids) await waitFor(`limited ${id} completed`, async () => (await stateOf(id)) === 'completed');
      expect(max).toBe(2);
    });

    it('aborts the signal of an attempt that exceeds its timeout and retries it', async () => {
      const reasons: string[] = [];
      q.handle('timed', async (_p, ctx) => {
        if (ctx.attempt > 1) return;
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        reasons.push((ctx.signal.reason as Error).name);
      });
      const r = await q.enqueue('timed', {});
      await q.start();
      await waitFor('timed completed', async () => (await stateOf(r.id)) === 'completed');
      expect(reasons).toEqual(['JobTimeoutError']);
      expect(await q.getJob(r.id)).toMatchObject({ attempts: 2 });
    });

    it('stop() waits for a running handler to finish', async () => {
      const running = gate();
      let finished = false;
      q.handle('slow', async () => {
        running.open();
        await sleep(300);
        finished = true;
      });
      const r = await q.enqueue('slow', {});
      await q.start();
      await running.opened;
      await q.stop({ timeoutMs: 20_000 });
      expect(finished).toBe(true);
      expect(await stateOf(r.id)).toBe('completed');
    });

    it('stop() past its timeout aborts the handler and hands the job back without using an attempt', async () => {
      const running = gate();
      let aborted = false;
      q.handle('slow', async (_p, ctx) => {
        running.open();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = true;
      });
      const r = await q.enqueue('slow', {});
      await q.start();
      await running.opened;
      await q.stop({ timeoutMs: 50 });
      expect(aborted).toBe(true);
      expect(['waiting', 'delayed']).toContain(await stateOf(r.id));
      const q2 = await h.makeQueue();
      const attempts: number[] = [];
      q2.handle('slow', async (_p, ctx) => void attempts.push(ctx.attempt));
      await q2.start();
      await waitFor('job completed by the next worker', async () => (await stateOf(r.id, q2)) === 'completed');
      expect(attempts).toEqual([1]);
    });

    it('logs failed attempts with job id, name and attempt, never the payload', async () => {
      const lines: string[] = [];
      const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
      const logged = await h.makeQueue({ log: createLogger({ level: 'info', destination: sink }) });
      logged.handle('flaky', async (_p, ctx) => {
        throw new Error(`boom ${ctx.attempt}`);
      });
      const r = await logged.enqueue('flaky', {}, { attempts: 1, workspaceId: 'ws-secret-424242' });
      await logged.start();
      await waitFor('final failure logged', () => lines.some((l) => l.includes('job failed after its last attempt')));
      const entry = JSON.parse(lines.find((l) => l.includes('job failed after its last attempt'))!) as Record<string, unknown>;
      expect(entry).toMatchObject({ jobId: r.id, job: 'flaky', attempt: 1, err: 'boom 1' });
      expect(lines.join('')).not.toContain('424242');
    });

    it('counts jobs per state', async () => {
      q.handle('echo', async () => undefined);
      const a = await q.enqueue('echo', { n: 1 });
      const b = await q.enqueue('echo', { n: 2 });
      await q.enqueue('echo', { n: 3 }, { delayMs: 60_000 });
      expect(await q.counts()).toEqual({ waiting: 2, delayed: 1, active: 0, completed: 0, failed: 0 });
      await q.start();
      for (const id of [a.id, b.id]) await waitFor('echo completed', async () => (await stateOf(id)) === 'completed');
      expect(await q.counts()).toEqual({ waiting: 0, delayed: 1, active: 0, completed: 2, failed: 0 });
      expect(await q.ping()).toBeGreaterThanOrEqual(0);
    });

    it('shares work between two workers on one store: every job runs exactly once', async () => {
      const q2 = await h.makeQueue({ instanceId: 'second' });
      for (const queue of [q, q2]) queue.handle('echo', async (_p, ctx) => h.recordEffect(ctx.id));
      const ids: string[] = [];
      for (let n = 0; n < 20; n++) ids.push((await q.enqueue('echo', { n })).id);
      await Promise.all([q.start(), q2.start()]);
      for (const id of ids) await waitFor('echo completed', async () => (await stateOf(id)) === 'completed');
      const counts = await Promise.all(ids.map((id) => h.countEffects(id)));
      expect(counts).toEqual(ids.map(() => 1));
    });

    it('runs a job again, exactly once to completion, after its worker process was SIGKILLed mid-job', async () => {
      const r = await q.enqueue('crash', {});
      const child = spawnCrashWorker(store.target);
      try {
        expect(await child.started).toBe(r.id);
        child.proc.kill('SIGKILL');
        expect(await child.exited).toBe('SIGKILL');
      } finally {
        if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
      }
      expect(await stateOf(r.id)).toBe('active'); // still locked by the dead worker
      const attempts: number[] = [];
      q.handle('crash', async (_p, ctx) => {
        attempts.push(ctx.attempt);
        await h.recordEffect(ctx.id);
      });
      await q.start();
      await waitFor('crashed job completed', async () => (await stateOf(r.id)) === 'completed');
      await q.stop();
      expect(await h.countEffects(r.id)).toBe(1);
      expect(attempts).toHaveLength(1);
      expect(await q.getJob(r.id)).toMatchObject({ state: 'completed', attempts: 2 });
    });
  });
}

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-worker.ts');

/** Starts the crash worker; `started` resolves with the id of the job it took. */
function spawnCrashWorker(target: QueueTarget) {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(target)], {
    cwd: path.dirname(fixture),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code)));
  const started = new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      out += chunk;
      const m = /started (\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((how) => reject(new Error(`crash worker exited (${String(how)}) before taking the job`)));
    setTimeout(() => reject(new Error('crash worker did not take the job within 30 s')), 30_000).unref();
  });
  return { proc, started, exited };
}

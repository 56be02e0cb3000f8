import type { Clock } from '../../platform/clock';
import { runAs, type Actor } from '../../platform/actor';
import type { Lease } from '../../platform/db/leases';
import type { Logger } from '../../platform/logger';
import { leasedLoop, type LeasedLoop } from '../../platform/loops';
import type { PullsService } from '../pulls';
import type { AutofixCore, Evaluation, ReviewSeen } from './autofix.service';

const AUTOFIX_ACTOR: Actor = Object.freeze({ kind: 'automation', id: 'autofix', name: 'autofix' });

export interface AutofixRunnerDeps {
  core: AutofixCore;
  pulls: Pick<PullsService, 'workspaces' | 'openLinked' | 'onChange'>;
  lease: Lease;
  clock: Clock;
  log: Logger;
  sweepEveryMs: number;
}

/**
 * When autofix looks at a PR: at once on a change this instance saw (the pulls listener), and in a sweep over every
 * open linked PR under the `github-autofix` lease (one instance at a time), which catches what a crash or another
 * instance's webhook left. Evaluations of one PR never overlap in this process; across instances the ledger makes a
 * second look harmless.
 */
export function createAutofixRunner(deps: AutofixRunnerDeps) {
  const { core, log } = deps;
  const chains = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every evaluation of the same PR queued before it (per-PR serialisation). */
  function serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = chains.get(key) ?? Promise.resolve();
    // Whatever an evaluation causes (comments, re-dispatches, LLM calls) is attributed to autofix (issue #16).
    const next = prev.catch(() => undefined).then(() => runAs(AUTOFIX_ACTOR, fn));
    const tail = next.catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
    return next;
  }

  const evaluate = (ws: string, pullId: string, o: { review?: ReviewSeen; mayAct?: () => Promise<boolean> } = {}): Promise<Evaluation> =>
    serial(`${ws}\n${pullId}`, () => core.evaluate(ws, pullId, o));

  /** Every open linked PR of every connected workspace, on the lease holder only (0 on another instance). */
  async function sweep(): Promise<number> {
    if (!(await deps.lease.hold())) return 0;
    let n = 0;
    const mayAct = () => deps.lease.hold();
    for (const ws of await deps.pulls.workspaces()) {
      for (const pull of await deps.pulls.openLinked(ws)) {
        try {
          await serial(`${ws}\n${pull.id}`, () => core.evaluatePull(ws, pull, { mayAct }));
          n++;
        } catch (err) {
          log.warn({ workspaceId: ws, repo: pull.repo, pr: pull.number, err: (err as Error).message }, 'autofix: evaluation failed');
        }
      }
    }
    return n;
  }

  const loop: LeasedLoop = leasedLoop({
    name: 'github-autofix', intervalMs: deps.sweepEveryMs, lease: deps.lease, log, clock: deps.clock,
    // sweep() renews the lease itself (it is also called outside the loop); the loop only releases it on stop.
    renew: 'in-tick',
    tick: async () => {
      await sweep();
    },
  });

  let unsubscribe: (() => void) | null = null;
  /** A change seen here is looked at now, whoever holds the sweep's lease (the ledger keeps it exactly once). */
  function listen() {
    unsubscribe ??= deps.pulls.onChange((ws, pull, change) => {
      if (pull.state !== 'open' || !pull.sessionId) return;
      evaluate(ws, pull.id, change.review ? { review: change.review } : {}).catch((err: unknown) =>
        log.warn({ workspaceId: ws, repo: pull.repo, pr: pull.number, err: (err as Error).message }, 'autofix: evaluation after a change failed'),
      );
    });
  }

  /** Resolves once no evaluation is queued or running in this process. */
  async function idle(): Promise<void> {
    while (chains.size) await Promise.all([...chains.values()]);
  }

  return {
    evaluate,
    sweep,
    idle,
    loop: {
      name: loop.name,
      lease: loop.lease,
      status: () => loop.status(),
      start() {
        listen();
        return loop.start();
      },
      async stop() {
        unsubscribe?.();
        unsubscribe = null;
        await loop.stop();
        await idle();
      },
    } satisfies LeasedLoop,
  };
}

import type { CreateBatchBody } from '@autopilot/contracts';
import { AppError } from '../../platform/errors';
import type { RunResult, ScheduledRun, ScheduleRunner } from '../schedules';
import type { BatchesService } from './batches.service';

/** Where a schedule's target keeps what a batch body has, so a refusal names the schedule's own field. */
const TARGET_PATHS = { values: 'target.variables', sources: 'target.sources', text: 'target', template: 'target.templateId' };

/** The reason a refused launch gives, with each field it names. */
function reasonOf(err: unknown): string {
  if (!(err instanceof AppError)) return err instanceof Error ? err.message : String(err);
  const issues = (err.details?.issues ?? []).map((i) => `${i.path}: ${i.message}`);
  return (issues.length ? issues.join('; ') : err.message).slice(0, 2000);
}

/**
 * What fires a schedule: its template target is a batch of that template (its own repositories, or the one its
 * repo variable names), its batch target the template over the target's sources. The batch's idempotency key is
 * `schedule:<runId>`, stable across the schedule's retries and take-overs, so a run that fires twice creates one
 * batch; the second answer is the first batch.
 */
export function scheduleRunner(batches: Pick<BatchesService, 'create'>): ScheduleRunner {
  return {
    async run(r: ScheduledRun): Promise<RunResult> {
      if (r.signal.aborted) return { outcome: 'failed', reason: 'the run was given up before it launched (its claim was about to expire)' };
      const t = r.target;
      const body: CreateBatchBody = {
        name: r.scheduleName,
        idempotencyKey: `schedule:${r.runId}`,
        input: { kind: 'template', templateId: t.templateId, values: t.variables, ...(t.kind === 'batch' ? { sources: t.sources } : {}) },
      };
      try {
        const { batch } = await batches.create(r.workspaceId, body, {
          origin: { kind: 'schedule', id: r.runId }, paths: TARGET_PATHS, accountPath: 'accountId', keyPath: 'runId',
        });
        const n = batch.counts.total;
        return { outcome: 'ok', reason: `${n} session${n === 1 ? '' : 's'} queued`, links: [{ label: 'batch', url: `/batches/${batch.id}` }] };
      } catch (err) {
        if (err instanceof AppError && err.status < 500) return { outcome: 'failed', reason: reasonOf(err) };
        throw err;
      }
    },
  };
}

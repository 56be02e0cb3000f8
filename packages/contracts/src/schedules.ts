import { z } from '@hono/zod-openapi';
import { IsoDate, pageOf } from './common';

/** What a run does after a downtime (no instance running) left fire times behind: nothing, or one catch-up run. */
export const MissedRunPolicy = z.enum(['skip', 'run_once']).openapi({ description: 'skip: record the missed runs as skipped; run_once: run once when an instance is back' });
export type MissedRunPolicy = z.infer<typeof MissedRunPolicy>;

const templateId = z.string().trim().min(1).max(64);
/** Values for a template's `{{variables}}`, by name (the template checks the names when it renders). */
const Variables = z
  .record(z.string(), z.string().max(10_000))
  .refine((v) => Object.keys(v).length <= 100, 'at most 100 variables')
  .openapi({ maxProperties: 100 });
const source = z.string().trim().min(1).max(300);

/** Launch one template with these variables. */
export const TemplateTarget = z
  .strictObject({ kind: z.literal('template'), templateId, variables: Variables.default({}) })
  .openapi('ScheduleTemplateTarget');
/** Launch one template over a list of sources, as a batch (one session per source). */
export const BatchTarget = z
  .strictObject({
    kind: z.literal('batch'),
    templateId,
    sources: z.array(source).min(1).max(500).openapi({ description: 'Repositories as owner/repo or sources/github/owner/repo' }),
    variables: Variables.default({}),
  })
  .openapi('ScheduleBatchTarget');
/** What a schedule launches at each fire time. */
export const ScheduleTarget = z.discriminatedUnion('kind', [TemplateTarget, BatchTarget]).openapi('ScheduleTarget');
export type ScheduleTarget = z.infer<typeof ScheduleTarget>;

const name = z.string().trim().min(1).max(100);
const cron = z.string().trim().min(9).max(200).openapi({ description: 'Cron expression as croner reads it: 5 fields (minute first) or 6 (seconds first), names (MON, JAN), L, W and #; it must fire, and at most once a minute. No JSON Schema keyword parses cron: the server checks it and answers 400 naming body.cron', example: '0 7 * * 1' });
const intervalSeconds = z.number().int().min(60, 'at least 60 seconds (1 minute)').max(366 * 86_400).openapi({ description: 'A fixed interval instead of a cron expression, counted from creation (or the last change of the interval)' });
/** The IANA zones this runtime knows (canonical names), plus UTC. */
export const TIME_ZONES: readonly [string, ...string[]] = ['UTC', ...(typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC') : [])];
const timezone = z.enum(TIME_ZONES).openapi({ description: 'IANA time zone the cron expression is read in (canonical name)', example: 'Europe/Berlin' });

const common = {
  name,
  timezone: timezone.default('UTC'),
  enabled: z.boolean().default(true),
  missedRunPolicy: MissedRunPolicy.default('skip'),
  target: ScheduleTarget,
};

/** A schedule fires on a cron expression (in its zone) or on a fixed interval: one of the two shapes. */
export const CreateScheduleBody = z
  .union([z.strictObject({ ...common, cron }), z.strictObject({ ...common, intervalSeconds })])
  .openapi('CreateSchedule', {
    example: { name: 'Weekly dependency update', cron: '0 7 * * 1', timezone: 'Europe/Berlin', enabled: true, missedRunPolicy: 'run_once', target: { kind: 'template', templateId: 'tpl_deps', variables: { repo: 'acme/web' } } },
  });
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

const changes = { name: name.optional(), timezone: timezone.optional(), missedRunPolicy: MissedRunPolicy.optional(), target: ScheduleTarget.optional() };
/** Any of the fields; a new cron or interval replaces the other kind of timing. */
export const UpdateScheduleBody = z
  .union([z.strictObject({ ...changes, cron: cron.optional() }), z.strictObject({ ...changes, intervalSeconds: intervalSeconds.optional() })])
  .openapi('UpdateSchedule', { example: { cron: '30 6 * * 1-5', timezone: 'America/New_York' } });
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBody>;

export const Schedule = z
  .object({
    id: z.string(),
    name: z.string(),
    cron: z.string().nullable(),
    intervalSeconds: z.number().nullable(),
    timezone: z.string(),
    description: z.string().openapi({ description: 'The cron expression or interval in words' }),
    enabled: z.boolean(),
    missedRunPolicy: MissedRunPolicy,
    target: ScheduleTarget,
    nextRunAt: IsoDate.nullable().openapi({ description: 'The next fire time (UTC); null while paused' }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
  })
  .openapi('Schedule');
export type Schedule = z.infer<typeof Schedule>;

export const ScheduleList = z.object({ items: z.array(Schedule) }).openapi('ScheduleList');

export const NextRunsQuery = z.object({
  count: z.coerce.number().int().min(1).max(50).default(5).openapi({ param: { name: 'count', in: 'query' } }),
});

export const NextRuns = z
  .object({
    scheduleId: z.string(),
    timezone: z.string(),
    description: z.string(),
    enabled: z.boolean().openapi({ description: 'false: paused, these are the runs it would make once resumed' }),
    runs: z.array(
      z.object({
        at: IsoDate.openapi({ description: 'UTC' }),
        local: z.string().openapi({ description: 'The same instant in the schedule time zone, ISO 8601 with its offset', example: '2026-03-30T07:00:00+02:00' }),
      }),
    ),
  })
  .openapi('ScheduleNextRuns');
export type NextRuns = z.infer<typeof NextRuns>;

export const RunOutcome = z.enum(['pending', 'ok', 'failed', 'skipped']).openapi({ description: 'pending: claimed, no outcome yet' });
export type RunOutcome = z.infer<typeof RunOutcome>;

export const RunLink = z.object({ label: z.string(), url: z.string() });
export type RunLink = z.infer<typeof RunLink>;

export const ScheduleRun = z
  .object({
    id: z.string(),
    scheduleId: z.string(),
    fireAt: IsoDate.openapi({ description: 'The fire time this run is for (unique per schedule)' }),
    claimedAt: IsoDate,
    startedAt: IsoDate.nullable(),
    finishedAt: IsoDate.nullable(),
    outcome: RunOutcome,
    reason: z.string().nullable(),
    attempts: z.number().openapi({ description: 'How many times an instance took the run (more than 1: a claimer died before its outcome)' }),
    missed: z.number().openapi({ description: 'Fire times this row stands for that were missed during a downtime (0 for an on-time run)' }),
    links: z.array(RunLink),
  })
  .openapi('ScheduleRun');
export type ScheduleRun = z.infer<typeof ScheduleRun>;

export const ScheduleRunPage = pageOf(ScheduleRun).openapi('ScheduleRunPage');

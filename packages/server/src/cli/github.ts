import { Command, InvalidArgumentError, Option } from 'commander';
import type { ArchiveFinishedResult, CiConclusion, CiRunQuery, CiStats, GitHubWebhook, PullRequest, PullState, PutRepoAutomationBody, RepoAutomation } from '@autopilot/contracts';
import { connect, fields, positiveInt, printJson, run, say, shortTime, table, UsageError, withConnection, type ConnectionOptions } from './common';
import { progressWriter } from './batch';

/*
 * The GitHub loop on the command line (issue #14): `autopilot prs` (linked pull requests), `autopilot ci runs|stats`
 * (check runs and their figures), and `autopilot github automation|webhook|sync|archive-finished` (what the loop may
 * do per repository, the webhook GitHub signs deliveries for, a poll now, archiving sessions whose PRs are done).
 * Every command prints the API's JSON with --json and a plain table otherwise.
 */

const REPO_RE = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/** `owner/name` (a github.com URL or a `sources/github/...` name is accepted and cut down to it). */
export function repoOf(v: string): string {
  const s = v.trim().replace(/^https?:\/\/github\.com\//, '').replace(/^(sources\/)?github\//, '').replace(/\.git$/, '').replace(/\/+$/, '');
  if (!REPO_RE.test(s)) throw new InvalidArgumentError(`"${v}" is not a repository: use owner/name`);
  return s;
}

/** `on`/`off` (also true/false, yes/no, 1/0) as a boolean, for a named flag. */
export function onOff(name: string) {
  return (v: string): boolean => {
    const s = v.trim().toLowerCase();
    if (['on', 'true', 'yes', '1'].includes(s)) return true;
    if (['off', 'false', 'no', '0'].includes(s)) return false;
    throw new InvalidArgumentError(`${name} is on or off, not "${v}"`);
  };
}

/** A whole number from `min` to `max` (0 allowed, unlike positiveInt). */
export function intIn(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    return Number(v);
  };
}

const CONCLUSIONS: readonly CiConclusion[] = ['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required', 'stale'];
const STATES: readonly PullState[] = ['open', 'closed', 'merged'];

const ms = (n: number | null) => (n === null ? '-' : n < 60_000 ? `${Math.round(n / 1000)}s` : `${Math.floor(n / 60_000)}m${String(Math.round((n % 60_000) / 1000)).padStart(2, '0')}s`);
const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 1000) / 10}%`);
const mergeableText = (p: PullRequest) => (p.mergeable === null ? p.mergeableState ?? '?' : p.mergeable ? p.mergeableState ?? 'yes' : `no (${p.mergeableState ?? 'conflict'})`);

/** The PR table: one line per linked PR. */
export function pullsTable(items: PullRequest[]): string {
  return table(
    ['PR', 'STATE', 'CHECKS', 'REVIEW', 'MERGEABLE', 'SESSION', 'TITLE', 'UPDATED'],
    items.map((p) => [`${p.repo}#${p.number}`, p.draft && p.state === 'open' ? 'draft' : p.state, p.checks, p.reviewDecision, mergeableText(p), p.sessionId, p.title, shortTime(p.updatedAt)]),
    { max: [50, 6, 8, 17, 18, 40, 60, 16] },
  );
}

/** One repository's automation as label/value lines. */
export function automationFields(a: RepoAutomation): string {
  const on = (b: boolean) => (b ? 'on' : 'off');
  return fields([
    ['Repository', a.repo],
    ['CI fixing', a.ciFix.enabled ? `on, at most ${a.ciFix.maxPerPr} per PR and ${a.ciFix.maxPerRepoPerDay} per day, then ${a.ciFix.afterCap === 'escalate' ? 'tell a person' : 'a new session (once), then tell a person'}` : 'off'],
    ['Review routing', on(a.reviewFix.enabled)],
    ['Merging', a.merge.enabled ? `on, ${a.merge.method}${a.merge.useAutoMerge ? " (GitHub's auto-merge where allowed)" : ''}, ${a.merge.maxRebaseAsks} rebase ask(s) before a re-dispatch` : 'off'],
    ['Auto-archive', on(a.archive.auto)],
    ['Opt-out label', a.optOutLabel],
    ['Saved', a.updatedAt ? shortTime(a.updatedAt) : 'never (defaults)'],
  ]);
}

export function webhookFields(w: GitHubWebhook): string {
  return fields([
    ['Payload URL', w.url],
    ['Content type', 'application/json'],
    ['Secret', w.secretSet ? `set (…${w.secretLast4 ?? ''})` : 'not set: deliveries are refused'],
    ['Deliveries', `${w.deliveries} accepted, ${w.rejected} refused${w.lastDeliveryAt ? `, last ${shortTime(w.lastDeliveryAt)}` : ''}`],
    ['Polling', w.polling === 'primary' ? 'primary (PRs are polled at the normal rate)' : 'fallback (webhooks feed it; polling only catches up)'],
  ]);
}

export function statsText(s: CiStats): string {
  const head = fields([
    ['Runs', `${s.total} (${s.passed} passed, ${s.failed} failed, ${s.running} running)`],
    ['Success rate', pct(s.successRate)],
    ['Median duration', ms(s.medianDurationMs)],
  ]);
  if (s.byDay.length === 0) return head;
  const most = Math.max(1, ...s.byDay.map((d) => d.passed + d.failed));
  const bar = (d: { passed: number; failed: number }) => `${'#'.repeat(Math.round((d.passed / most) * 30))}${'x'.repeat(Math.round((d.failed / most) * 30))}`;
  return `${head}\n\n${table(['DAY', 'PASSED', 'FAILED', ''], s.byDay.map((d) => [d.day, d.passed, d.failed, bar(d)]), { max: [10, 7, 7, 31] })}`;
}

/** The archive progress line: `[####------] 4/10 archived, 0 failed`. */
export function renderArchive(done: number, failed: number, total: number): string {
  const filled = total === 0 ? 10 : Math.round(((done + failed) / total) * 10);
  return `[${'#'.repeat(filled)}${'-'.repeat(10 - filled)}] ${done}/${total} archived, ${failed} failed`;
}

type RunFilters = ConnectionOptions & { repo?: string; pr?: number; session?: string; conclusion?: CiConclusion; since?: string };
const runQuery = (o: RunFilters): Partial<CiRunQuery> => ({ repo: o.repo, pr: o.pr, sessionId: o.session, conclusion: o.conclusion, since: o.since });

function isoTime(v: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`--since is a date or time (e.g. 2026-12-01 or 2026-12-01T08:00:00Z), not "${v}"`);
  return new Date(t).toISOString();
}

function runFilters(cmd: Command): Command {
  return cmd
    .option('--repo <owner/name>', 'only this repository', repoOf)
    .option('--pr <n>', 'only this PR number (with --repo)', positiveInt('--pr'))
    .option('--session <id>', 'only runs on the PRs of this session')
    .addOption(new Option('--conclusion <c>', 'only runs that ended so').choices(CONCLUSIONS as string[]))
    .option('--since <time>', 'only runs started at or after this time', isoTime);
}

/** `autopilot prs`: pull requests linked to sessions. */
export function prsCommand(): Command {
  return withConnection(
    new Command('prs')
      .description('pull requests linked to sessions (most recently changed first): state, checks, review, mergeability')
      .option('--repo <owner/name>', 'only this repository', repoOf)
      .addOption(new Option('--state <state>', 'only this state').choices(STATES as string[]))
      .addOption(new Option('--checks <state>', 'only this checks state').choices(['none', 'pending', 'failure', 'success']))
      .option('--session <id>', 'only the PRs of this session')
      .option('--limit <n>', 'at most this many (1-500)', positiveInt('--limit', 500), 50)
      .option('--cursor <cursor>', 'the next page (printed under a full page)'),
  ).action(
    run(async (o: ConnectionOptions & { repo?: string; state?: PullState; checks?: PullRequest['checks']; session?: string; limit: number; cursor?: string }) => {
      const { client } = await connect(o);
      const page = await client.pulls.list({ repo: o.repo, state: o.state, checks: o.checks, sessionId: o.session, limit: o.limit, cursor: o.cursor });
      if (o.json) return printJson(page);
      say(o, pullsTable(page.items));
      if (page.nextCursor) say(o, `\nmore: autopilot prs --cursor ${page.nextCursor}`);
    }),
  );
}

/** `autopilot ci runs|stats`. */
export function ciCommand(): Command {
  const cmd = new Command('ci').description('CI runs (check runs) of the PRs sessions opened, and their figures');
  withConnection(
    runFilters(cmd.command('runs', { isDefault: true }).description('check runs, newest first (the default)'))
      .option('--limit <n>', 'at most this many (1-500)', positiveInt('--limit', 500), 50)
      .option('--cursor <cursor>', 'the next page (printed under a full page)'),
  ).action(
    run(async (o: RunFilters & { limit: number; cursor?: string }) => {
      if (o.pr !== undefined && !o.repo) throw new UsageError('--pr needs --repo (PR numbers are per repository)');
      const { client } = await connect(o);
      const page = await client.pulls.runs({ ...runQuery(o), limit: o.limit, cursor: o.cursor });
      if (o.json) return printJson(page);
      say(
        o,
        table(
          ['STARTED', 'PR', 'CHECK', 'STATUS', 'CONCLUSION', 'TOOK', 'SHA', 'SESSION'],
          page.items.map((r) => [shortTime(r.startedAt), r.prNumber === null ? r.repo : `${r.repo}#${r.prNumber}`, r.name, r.status, r.conclusion, ms(r.durationMs), r.headSha.slice(0, 7), r.sessionId]),
          { max: [16, 50, 30, 11, 15, 8, 7, 40] },
        ),
      );
      if (page.nextCursor) say(o, `\nmore: autopilot ci runs --cursor ${page.nextCursor}`);
    }),
  );
  withConnection(runFilters(cmd.command('stats').description('totals, success rate, median duration and finished runs per day'))).action(
    run(async (o: RunFilters) => {
      if (o.pr !== undefined && !o.repo) throw new UsageError('--pr needs --repo (PR numbers are per repository)');
      const { client } = await connect(o);
      const s = await client.pulls.stats(runQuery(o));
      if (o.json) return printJson(s);
      say(o, statsText(s));
    }),
  );
  return cmd;
}

type AutomationOpts = ConnectionOptions & {
  ciFix?: boolean; maxPerPr?: number; maxPerDay?: number; afterCap?: 'escalate' | 'new_session'; reviewFix?: boolean;
  merge?: boolean; method?: 'merge' | 'squash' | 'rebase'; autoMerge?: boolean; maxRebaseAsks?: number; autoArchive?: boolean; optOutLabel?: string;
};

/** The PUT body for the flags given, or null when no flag asks for a change. */
export function automationBody(repo: string, o: AutomationOpts): PutRepoAutomationBody | null {
  const pick = <T extends object>(x: T) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as Partial<T>;
  const ciFix = pick({ enabled: o.ciFix, maxPerPr: o.maxPerPr, maxPerRepoPerDay: o.maxPerDay, afterCap: o.afterCap });
  const merge = pick({ enabled: o.merge, method: o.method, useAutoMerge: o.autoMerge, maxRebaseAsks: o.maxRebaseAsks });
  const body: PutRepoAutomationBody = {
    repo,
    ...(Object.keys(ciFix).length ? { ciFix } : {}),
    ...(o.reviewFix !== undefined ? { reviewFix: { enabled: o.reviewFix } } : {}),
    ...(Object.keys(merge).length ? { merge } : {}),
    ...(o.autoArchive !== undefined ? { archive: { auto: o.autoArchive } } : {}),
    ...(o.optOutLabel !== undefined ? { optOutLabel: o.optOutLabel } : {}),
  };
  return Object.keys(body).length > 1 ? body : null;
}

/** `autopilot github automation|webhook|sync|archive-finished`. */
export function githubCommand(): Command {
  const cmd = new Command('github').description('the GitHub loop: per-repository automation, the webhook, a poll now, archiving finished sessions');

  withConnection(
    cmd
      .command('automation')
      .description("each repository's automation, or one repository's (changed with the flags given; admins and owners)")
      .argument('[repo]', 'owner/name', repoOf)
      .option('--ci-fix <on|off>', "message the session when its PR's checks fail", onOff('--ci-fix'))
      .option('--max-per-pr <n>', 'CI fixing attempts per PR, counted forever (0-20)', intIn('--max-per-pr', 0, 20))
      .option('--max-per-day <n>', 'CI fixing attempts per repository per UTC day (0-1000)', intIn('--max-per-day', 0, 1000))
      .addOption(new Option('--after-cap <what>', 'after the cap: tell a person, or open a new session once').choices(['escalate', 'new_session']))
      .option('--review-fix <on|off>', 'route reviews requesting changes to the session', onOff('--review-fix'))
      .option('--merge <on|off>', 'merge linked PRs when checks are green and reviews present', onOff('--merge'))
      .addOption(new Option('--method <method>', 'merge method').choices(['merge', 'squash', 'rebase']))
      .option('--auto-merge <on|off>', "use GitHub's auto-merge where the repository allows it", onOff('--auto-merge'))
      .option('--max-rebase-asks <n>', 'rebase asks before a conflicting PR is re-dispatched (0-10)', intIn('--max-rebase-asks', 0, 10))
      .option('--auto-archive <on|off>', 'archive a session on Jules once its PR merged or closed', onOff('--auto-archive'))
      .option('--opt-out-label <label>', 'a PR with this label is left alone'),
  ).action(
    run(async (repo: string | undefined, o: AutomationOpts) => {
      const body = repo ? automationBody(repo, o) : null;
      if (!repo && automationBody('x/y', o)) throw new UsageError('name the repository to change: autopilot github automation owner/name --ci-fix on');
      const { client } = await connect(o);
      if (body) {
        const saved = await client.pulls.setAutomation(body);
        if (o.json) return printJson(saved);
        return say(o, automationFields(saved));
      }
      const list = await client.pulls.automation();
      if (repo) {
        const one = list.items.find((a) => a.repo.toLowerCase() === repo.toLowerCase());
        // A repository never saved and without sessions still has the defaults: show them, as the API would.
        const shown = one ?? (await import('@autopilot/contracts')).defaultRepoAutomation(repo);
        if (o.json) return printJson(shown);
        return say(o, automationFields(shown));
      }
      if (o.json) return printJson(list);
      const on = (b: boolean) => (b ? 'on' : 'off');
      say(
        o,
        table(
          ['REPO', 'CI FIX', 'PER PR', 'REVIEWS', 'MERGE', 'ARCHIVE', 'OPT-OUT LABEL', 'SAVED'],
          list.items.map((a) => [a.repo, on(a.ciFix.enabled), a.ciFix.maxPerPr, on(a.reviewFix.enabled), a.merge.enabled ? a.merge.method : 'off', on(a.archive.auto), a.optOutLabel, a.updatedAt ? shortTime(a.updatedAt) : 'defaults']),
          { max: [50, 6, 6, 7, 6, 7, 30, 16] },
        ),
      );
    }),
  );

  withConnection(
    cmd
      .command('webhook')
      .description('the payload URL to give GitHub and its delivery counts; set, generate or remove its secret (admins and owners)')
      .addOption(new Option('--generate', 'generate a new secret (printed once)').conflicts(['secret', 'remove']))
      .addOption(new Option('--secret <secret>', 'the secret set on GitHub (16-256 printable characters; prefer $AUTOPILOT_WEBHOOK_SECRET, kept out of the shell history)').conflicts('remove'))
      .addOption(new Option('--remove', 'remove the secret: deliveries are refused and polling is primary again')),
  ).action(
    run(async (o: ConnectionOptions & { generate?: boolean; secret?: string; remove?: boolean }) => {
      const secret = o.secret ?? (o.generate || o.remove ? undefined : process.env.AUTOPILOT_WEBHOOK_SECRET || undefined);
      const { client } = await connect(o);
      if (o.remove) {
        const w = await client.pulls.deleteWebhook();
        if (o.json) return printJson(w);
        return say(o, webhookFields(w));
      }
      if (o.generate || secret !== undefined) {
        const saved = await client.pulls.setWebhook(secret !== undefined ? { secret } : {});
        if (o.json) return printJson(saved);
        say(o, webhookFields(saved));
        if (saved.secret) say(o, `\nSecret (shown once; paste it into GitHub's webhook settings): ${saved.secret}`);
        return;
      }
      const w = await client.pulls.webhook();
      if (o.json) return printJson(w);
      say(o, webhookFields(w));
    }),
  );

  withConnection(cmd.command('sync').description("poll GitHub now for this workspace's PRs (unchanged answers cost no rate limit)")).action(
    run(async (o: ConnectionOptions) => {
      const { client } = await connect(o);
      const r = await client.pulls.sync();
      if (o.json) return printJson(r);
      say(o, `${r.pulls} PR(s) in ${r.repos} repo(s): ${r.changed} changed; ${r.requests} request(s), ${r.notModified} not modified`);
    }),
  );

  withConnection(
    cmd
      .command('archive-finished')
      .description('archive on Jules every unarchived session whose PR merged or closed')
      .option('--dry-run', 'only count them')
      .option('--repo <owner/name>', 'only this repository', repoOf),
  ).action(
    run(async (o: ConnectionOptions & { dryRun?: boolean; repo?: string }) => {
      const { client } = await connect(o);
      const repo = o.repo ? { repo: o.repo } : {};
      if (o.dryRun) {
        const r = await client.pulls.archiveFinished({ dryRun: true, ...repo });
        if (o.json) return printJson(r);
        return say(o, `${r.matched} session(s) would be archived (dry run: nothing changed)`);
      }
      // The count first, so the line has a total; each archive is a keeper action event, which moves the line.
      const { matched } = await client.pulls.archiveFinished({ dryRun: true, ...repo });
      const writer = progressWriter();
      let done = 0;
      let failed = 0;
      writer.update(renderArchive(0, 0, matched));
      const sub = client.events({
        onEvent: (e) => {
          if (e.type !== 'keeper.action' || e.data.kind !== 'archive') return;
          if (e.data.status === 'sent') done++;
          else if (e.data.status === 'failed') failed++;
          writer.update(renderArchive(Math.min(done, matched), Math.min(failed, matched), Math.max(matched, done + failed)));
        },
      });
      let r: ArchiveFinishedResult;
      try {
        r = await client.pulls.archiveFinished({ dryRun: false, ...repo });
      } finally {
        sub.close();
      }
      writer.update(renderArchive(r.archived, r.failed.length, Math.max(r.matched, r.archived + r.failed.length)));
      writer.end();
      if (o.json) return printJson(r);
      say(o, `${r.archived} of ${r.matched} session(s) archived${r.failed.length ? `, ${r.failed.length} failed:` : ''}`);
      if (r.failed.length) say(o, table(['SESSION', 'ERROR'], r.failed.map((f) => [f.sessionId, f.error]), { max: [40, 100] }));
      if (r.failed.length) process.exitCode = 1;
    }),
  );
  return cmd;
}

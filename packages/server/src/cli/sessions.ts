import { Command, Option } from 'commander';
import { isDispatchIntent, queuedText, type AppEvent, type SessionDetail } from '@autopilot/contracts';
import { cell, connect, fail, fields, positiveInt, printJson, run, say, shortSource, shortTime, sourceName, table, UsageError, withConnection, type ConnectionOptions } from './common';

type ListOpts = ConnectionOptions & { state?: string; source?: string; text?: string; archived?: 'true' | 'false' | 'all'; account?: string; limit: number; cursor?: string };

/** `IN_PROGRESS,awaiting_user_feedback` or `in-progress` as the API's upper-case list. */
function stateList(v: string): string {
  const s = v.split(',').map((x) => x.trim().toUpperCase().replace(/-/g, '_')).filter(Boolean);
  if (s.length === 0 || s.some((x) => !/^[A-Z_]+$/.test(x))) throw new UsageError(`--state takes comma-separated states such as IN_PROGRESS,AWAITING_USER_FEEDBACK, not "${v}"`);
  return s.join(',');
}

/** One line about a session after an action: id, state, title. */
const oneLine = (s: SessionDetail, verb: string) => `${verb} ${s.id}  ${s.state}  ${cell(s.title, 80)}`;

function showSession(s: SessionDetail): string {
  return fields([
    ['ID', s.id],
    ['Title', s.title],
    ['State', s.state],
    ['Source', s.source ? `${shortSource(s.source)} (${s.startingBranch ?? 'default branch'})` : null],
    ['Working branch', s.workingBranch],
    ['Pull request', s.prUrl],
    ['Jules', s.url],
    ['Created', `${shortTime(s.createTime)} (${s.createdBy === 'orchestrator' ? 'here' : 'elsewhere'})`],
    ['Updated', shortTime(s.updateTime)],
    ['Plan approval', s.requirePlanApproval ? 'required' : 'not required'],
    ['Archived', s.archived ? 'yes' : 'no'],
    ['Deleted', s.deleted ? 'yes (gone upstream)' : 'no'],
    ['Activities', s.activityCount],
    ['Prompt', cell(s.prompt, 300)],
  ]);
}

/** Payload fields a line leaves out: the session column has the id; Jules' own ids and times are noise there. */
const HIDDEN = new Set(['id', 'sessionId', 'julesId', 'activityId', 'updateTime']);

/** One line per event for `sessions watch`: time, type, session, what happened. */
function eventLine(e: AppEvent): string {
  const d = e.data as Record<string, unknown>;
  const time = e.at.slice(11, 19);
  const session = typeof d.id === 'string' && e.type.startsWith('session.') ? d.id : typeof d.sessionId === 'string' ? d.sessionId : '';
  let what: string;
  switch (e.type) {
    case 'session.created':
      what = `${e.data.state}  ${cell(e.data.title, 80)}`;
      break;
    case 'session.state_changed':
      what = `${e.data.from} -> ${e.data.to}`;
      break;
    default:
      what = Object.entries(d)
        .filter(([k, v]) => !HIDDEN.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
        .slice(0, 4)
        .map(([k, v]) => `${k}=${cell(v, 60)}`)
        .join(' ');
  }
  return `${time}  ${e.type.padEnd(21)}  ${(session || '-').padEnd(36)}  ${what}`.trimEnd();
}

/** `autopilot sessions ...`: list, show, create and act on mirrored Jules sessions, and follow their events. */
export function sessionsCommand(): Command {
  const cmd = new Command('sessions').description('list, show, create and act on Jules sessions; follow their events live');

  withConnection(
    cmd
      .command('ls')
      .alias('list')
      .description('list sessions, newest update first')
      .option('--state <states>', 'only these states, comma-separated (e.g. IN_PROGRESS,AWAITING_USER_FEEDBACK)', stateList)
      .option('--source <repo>', 'only this repository (owner/repo)', sourceName)
      .option('--text <text>', 'substring of the title or prompt')
      .addOption(new Option('--archived <which>', 'archived sessions too, or only them').choices(['false', 'true', 'all']))
      .option('--account <id>', 'only this Jules account')
      .option('--limit <n>', 'at most this many (1-500)', positiveInt('--limit', 500), 20)
      .option('--cursor <cursor>', 'the next page (printed under a full page)'),
  ).action(
    run(async (o: ListOpts) => {
      const { client } = await connect(o);
      const page = await client.sessions.list({ state: o.state, source: o.source, text: o.text, archived: o.archived, accountId: o.account, limit: o.limit, cursor: o.cursor });
      if (o.json) return printJson(page);
      say(o, table(['ID', 'STATE', 'UPDATED', 'SOURCE', 'TITLE'], page.items.map((s) => [s.id, s.state, shortTime(s.updateTime), shortSource(s.source), s.title]), { max: [40, 24, 16, 40, 70] }));
      if (page.nextCursor) say(o, `\nmore: autopilot sessions ls --cursor ${page.nextCursor}`);
    }),
  );

  withConnection(
    cmd
      .command('show')
      .description('one session, with its latest activities')
      .argument('<id>', 'session id')
      .option('--activities <n>', 'how many of the latest activities to show (human output)', positiveInt('--activities', 500), 10),
  ).action(
    run(async (id: string, o: ConnectionOptions & { activities: number }) => {
      const { client } = await connect(o);
      const s = await client.sessions.get(id);
      if (o.json) return printJson(s);
      const [keeper, all] = await Promise.all([client.keeper.session(id).catch(() => null), s.activityCount > 0 ? client.sessions.allActivities(id) : Promise.resolve([])]);
      say(o, showSession(s));
      if (keeper) {
        const state = [keeper.paused ? 'paused for this session' : 'active', ...(keeper.stuck ? [`stuck${keeper.stuckReason ? ` (${keeper.stuckReason})` : ''}`] : [])].join(', ');
        const last = keeper.lastDecision ? `; last decision: ${keeper.lastDecision.action} (${cell(keeper.lastDecision.reason, 120)})` : '';
        say(o, fields([['Keeper', `${state}${last}`]]));
      }
      if (all.length > 0) {
        // The keeper's messages are userMessaged activities too: the ledger says which, so they are not shown as a person's.
        const byKeeper = new Set((keeper?.messages ?? []).map((m) => m.activityId));
        const latest = all.slice(-o.activities);
        say(o, `\nLatest activities (${latest.length} of ${all.length}):`);
        say(o, table(['TIME', 'KIND', 'BY', 'WHAT'], latest.map((a) => [shortTime(a.createTime), a.kind, byKeeper.has(a.id) ? 'keeper' : a.originator, a.description]), { max: [16, 20, 10, 90] }));
      }
    }),
  );

  withConnection(
    cmd
      .command('new')
      .alias('create')
      .description('create a session on Jules')
      .argument('<prompt...>', 'what Jules should do')
      .option('--title <title>', 'a title (default: Jules makes one)')
      .option('--repo <repo>', 'the repository (owner/repo); needs --branch', sourceName)
      .option('--branch <branch>', 'the starting branch (with --repo)')
      .option('--require-approval', 'hold the plan for approval (`sessions approve`)')
      .option('--auto-pr', 'open a pull request when done')
      .option('--account <id>', 'which Jules account (needed when the workspace has several)'),
  ).action(
    run(async (prompt: string[], o: ConnectionOptions & { title?: string; repo?: string; branch?: string; requireApproval?: boolean; autoPr?: boolean; account?: string }) => {
      if (o.repo && !o.branch) throw new UsageError('--repo needs --branch (the branch Jules starts from, e.g. main)');
      if (o.branch && !o.repo) throw new UsageError('--branch needs --repo');
      const { client } = await connect(o);
      const s = await client.sessions.create({
        prompt: prompt.join(' '),
        ...(o.title ? { title: o.title } : {}),
        ...(o.repo ? { source: o.repo, startingBranch: o.branch } : {}),
        ...(o.requireApproval ? { requirePlanApproval: true } : {}),
        ...(o.autoPr ? { autoCreatePr: true } : {}),
        ...(o.account ? { accountId: o.account } : {}),
      });
      if (o.json) return printJson(s);
      if (isDispatchIntent(s)) {
        say(o, `queued ${s.id}: ${queuedText(s)} (autopilot dispatch shows the line; the session is created when the account has room)`);
        return;
      }
      say(o, oneLine(s, 'created'));
    }),
  );

  const act = (name: string, description: string, verb: string, call: (c: Awaited<ReturnType<typeof connect>>['client'], id: string) => Promise<SessionDetail>) =>
    withConnection(cmd.command(name).description(description).argument('<id>', 'session id')).action(
      run(async (id: string, o: ConnectionOptions) => {
        const { client } = await connect(o);
        const s = await call(client, id);
        if (o.json) return printJson(s);
        say(o, oneLine(s, verb));
      }),
    );
  act('approve', 'approve the plan awaiting approval', 'approved', (c, id) => c.sessions.approvePlan(id));
  act('archive', 'archive the session on Jules', 'archived', (c, id) => c.sessions.archive(id));
  act('unarchive', 'unarchive the session on Jules', 'unarchived', (c, id) => c.sessions.unarchive(id));

  withConnection(cmd.command('say').alias('message').description('send a message to the agent').argument('<id>', 'session id').argument('<message...>', 'the message')).action(
    run(async (id: string, message: string[], o: ConnectionOptions) => {
      const { client } = await connect(o);
      const s = await client.sessions.sendMessage(id, message.join(' '));
      if (o.json) return printJson(s);
      say(o, oneLine(s, 'sent to'));
    }),
  );

  withConnection(
    cmd
      .command('watch')
      .description('follow the live event stream, one line per event, until Ctrl-C (--json: one JSON event per line)')
      .option('--session <id>', 'only events of this session')
      .option('--type <prefix>', 'only events whose type starts with this (e.g. session. or keeper.action)'),
  ).action(
    run(async (o: ConnectionOptions & { session?: string; type?: string }) => {
      const { client, url } = await connect(o);
      let stopped = false;
      let lastError: Error | undefined;
      await new Promise<void>((resolve) => {
        const sub = client.events({
          onEvent: (e) => {
            const d = e.data as { id?: unknown; sessionId?: unknown };
            if (o.type && !e.type.startsWith(o.type)) return;
            if (o.session && d.id !== o.session && d.sessionId !== o.session) return;
            process.stdout.write(`${o.json ? JSON.stringify(e) : eventLine(e)}\n`);
          },
          onState: (state, info) => {
            if (info.error) lastError = info.error;
            if (state === 'connected') process.stderr.write(`watching ${url} (Ctrl-C to stop)\n`);
            else if (state === 'reconnecting' && info.error && info.error.status !== 401 && info.error.status !== 403) process.stderr.write(`connection lost (${info.error.message}); reconnecting\n`);
            // Closed without Ctrl-C: the server refused the key (a reconnect would not help).
            if (state === 'closed' && !stopped) fail(lastError ?? new Error('the event stream was closed'));
            if (state === 'closed') resolve();
          },
        });
        const stop = () => {
          stopped = true;
          sub.close();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }),
  );
  return cmd;
}

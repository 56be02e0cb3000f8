import { Command, InvalidArgumentError, Option } from 'commander';
import type { DispatchAccount, UpdateDispatchLimitsBody } from '@autopilot/contracts';
import { cell, connect, positiveInt, printJson, run, say, shortSource, shortTime, table, UsageError, withConnection, type ConnectionOptions } from './common';

/* `autopilot dispatch [status]|limits|ls`: each Jules account's quota, its limits, and the creates in line. */

/** `2/3`, or just `2` when the limit is not enforced. */
const ofLimit = (n: number, limit: number | null) => (limit === null ? `${n}` : `${n}/${limit}`);

function quotaTable(items: DispatchAccount[]): string {
  const rows = items.map((a) => [
    a.accountId,
    a.accountName,
    `${a.limits.plan}${a.limits.paused ? ' (paused)' : ''}`,
    ofLimit(a.active, a.limits.concurrent),
    ofLimit(a.createdToday, a.limits.daily),
    a.queued,
    a.dispatching,
    a.limits.inFlight,
  ]);
  const notes = items.map((a) => `${a.accountId}: ${a.forecast.note}${a.rateLimitedUntil ? ` Rate limited by Jules until ${shortTime(a.rateLimitedUntil)} UTC.` : ''}`);
  return `${table(['ACCOUNT', 'NAME', 'PLAN', 'ACTIVE', 'TODAY', 'QUEUED', 'SENDING', 'IN FLIGHT'], rows, { max: [40, 30, 16, 9, 11, 6, 7, 9] })}${notes.length ? `\n\n${notes.join('\n')}` : ''}`;
}

const STATES = ['queued', 'dispatching', 'created', 'failed', 'cancelled'] as const;
function stateOf(v: string): (typeof STATES)[number] {
  const s = v.trim().toLowerCase();
  if (!(STATES as readonly string[]).includes(s)) throw new InvalidArgumentError(`--state is one of ${STATES.join(', ')}, not "${v}"`);
  return s as (typeof STATES)[number];
}

type LimitsOpts = ConnectionOptions & { plan?: UpdateDispatchLimitsBody['plan']; concurrent?: number; daily?: number; inFlight?: number; pause?: boolean; resume?: boolean };

/** `autopilot dispatch ...`. */
export function dispatchCommand(): Command {
  const cmd = new Command('dispatch').description("the dispatcher: each Jules account's quota and forecast, its limits, and every create waiting or sent");

  withConnection(cmd.command('status', { isDefault: true }).description('per account: plan, active/limit, created today/limit, queued, forecast (the default)')).action(
    run(async (o: ConnectionOptions) => {
      const { client } = await connect(o);
      const list = await client.dispatch.accounts();
      if (o.json) return printJson(list);
      say(o, quotaTable(list.items));
    }),
  );

  withConnection(
    cmd
      .command('limits')
      .description("set an account's plan or custom limits, creates in flight, or pause its dispatch (admins and owners)")
      .argument('<account>', 'account id (from `autopilot dispatch`)')
      .addOption(new Option('--plan <plan>', 'free 3/15, pro 15/100, ultra 60/300 (concurrent/daily), custom (with --concurrent and --daily), unknown = not enforced').choices(['unknown', 'free', 'pro', 'ultra', 'custom']))
      .option('--concurrent <n>', "the custom plan's active sessions at once", positiveInt('--concurrent', 1000))
      .option('--daily <n>', "the custom plan's creates per rolling 24 hours", positiveInt('--daily', 100_000))
      .option('--in-flight <n>', 'creates sent at once (Jules fails parallel creates)', positiveInt('--in-flight', 20))
      .addOption(new Option('--pause', 'send nothing for this account until resumed (queued work waits)').conflicts('resume'))
      .addOption(new Option('--resume', 'send again')),
  ).action(
    run(async (account: string, o: LimitsOpts) => {
      const body: UpdateDispatchLimitsBody = {
        ...(o.plan ? { plan: o.plan } : {}),
        ...(o.concurrent !== undefined ? { concurrent: o.concurrent } : {}),
        ...(o.daily !== undefined ? { daily: o.daily } : {}),
        ...(o.inFlight !== undefined ? { inFlight: o.inFlight } : {}),
        ...(o.pause ? { paused: true } : o.resume ? { paused: false } : {}),
      };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give --plan, --concurrent, --daily, --in-flight, --pause or --resume');
      if (body.plan === 'custom' && (body.concurrent === undefined || body.daily === undefined)) throw new UsageError('--plan custom needs --concurrent and --daily');
      const { client } = await connect(o);
      const a = await client.dispatch.updateLimits(account, body);
      if (o.json) return printJson(a);
      say(o, quotaTable([a]));
    }),
  );

  withConnection(
    cmd
      .command('ls')
      .alias('list')
      .description('creates, newest first, with their place in line and estimated send time while queued')
      .option('--state <state>', `only this state (${STATES.join(', ')}; any case)`, stateOf)
      .option('--account <id>', 'only this Jules account')
      .addOption(new Option('--origin <kind>', 'only creates from this origin').choices(['api', 'batch', 'schedule', 'keeper', 'template', 'github']))
      .option('--limit <n>', 'at most this many (1-500)', positiveInt('--limit', 500), 20)
      .option('--cursor <cursor>', 'the next page (printed under a full page)'),
  ).action(
    run(async (o: ConnectionOptions & { state?: 'queued'; account?: string; origin?: 'api'; limit: number; cursor?: string }) => {
      const { client } = await connect(o);
      const page = await client.dispatch.intents({ state: o.state, accountId: o.account, origin: o.origin, limit: o.limit, cursor: o.cursor });
      if (o.json) return printJson(page);
      say(
        o,
        table(
          ['ID', 'STATE', 'POS', 'ETA', 'WAITING FOR', 'ORIGIN', 'REPO', 'SESSION / ERROR'],
          page.items.map((i) => [i.id, i.state, i.position, i.eta ? shortTime(i.eta) : null, i.waitingFor, i.origin.kind, shortSource(i.request.source), i.sessionId ?? cell(i.error, 80)]),
          { max: [40, 11, 4, 16, 11, 8, 40, 80] },
        ),
      );
      if (page.nextCursor) say(o, `\nmore: autopilot dispatch ls --cursor ${page.nextCursor}`);
    }),
  );
  return cmd;
}

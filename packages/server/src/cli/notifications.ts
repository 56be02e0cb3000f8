import { Command, InvalidArgumentError, Option } from 'commander';
import type { Notice, NoticeQuery } from '@autopilot/contracts';
import { connect, positiveInt, printJson, run, say, shortTime, table, withConnection, type ConnectionOptions } from './common';

/*
 * The notification center on the command line (issue #15): `autopilot notifications [--unread]` lists; `read <id>`,
 * `dismiss <id>` and `snooze <id> --until 2h` change one; `read-all` marks every unread one read.
 */

const SEVERITIES = ['info', 'warning', 'critical'] as const;
const VIEWS = ['inbox', 'unread', 'snoozed', 'dismissed', 'all'] as const;

export function noticesTable(items: Notice[]): string {
  return table(
    ['ID', 'LAST', 'SEVERITY', 'STATUS', 'SOURCE', 'TITLE', 'COUNT', 'SESSION'],
    items.map((n) => [n.id, shortTime(n.lastAt), n.severity, n.status, `${n.source}/${n.kind}`, n.title, n.count > 1 ? `x${n.count}` : '', n.sessionId]),
    { max: [40, 16, 8, 9, 36, 70, 6, 40] },
  );
}

/** A snooze time: minutes (`30m`), hours (`2h`), days (`1d`), or an ISO time; answered as an ISO time. */
export function snoozeUntil(v: string, now = Date.now()): string {
  const m = /^(\d{1,4})([mhd])$/.exec(v.trim());
  if (m) return new Date(now + Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd']).toISOString();
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`--until is 30m, 2h, 1d or an ISO time, not "${v}"`);
  return new Date(t).toISOString();
}

type ListOpts = ConnectionOptions & { unread?: boolean; view?: (typeof VIEWS)[number]; severity?: (typeof SEVERITIES)[number]; session?: string; repo?: string; limit: number; cursor?: string };

/** `autopilot notifications …`. */
export function notificationsCommand(): Command {
  const cmd = new Command('notifications').description('the notification center: what a person should know (held plans, questions, failures, budgets, webhooks)');

  withConnection(
    cmd
      .command('list', { isDefault: true })
      .description('notifications, latest first (the default): unread and read, not dismissed or snoozed')
      .option('--unread', 'only unread ones')
      .addOption(new Option('--view <view>', 'which ones').choices(VIEWS as unknown as string[]).conflicts('unread'))
      .addOption(new Option('--severity <severity>', 'only this severity').choices(SEVERITIES as unknown as string[]))
      .option('--session <id>', 'only about this session')
      .option('--repo <owner/name>', 'only about this repository')
      .option('--limit <n>', 'at most this many (1-200)', positiveInt('--limit', 200), 50)
      .option('--cursor <cursor>', 'the next page'),
  ).action(
    run(async (o: ListOpts) => {
      const { client } = await connect(o);
      const q: Partial<NoticeQuery> = { view: o.unread ? 'unread' : (o.view ?? 'inbox'), limit: o.limit, ...(o.severity ? { severity: o.severity } : {}), ...(o.session ? { sessionId: o.session } : {}), ...(o.repo ? { repo: o.repo } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) };
      const page = await client.inbox.list(q);
      if (o.json) return printJson(page);
      say(o, `${page.unread} unread\n\n${noticesTable(page.items)}`);
      if (page.nextCursor) say(o, `\nmore: autopilot notifications --cursor ${page.nextCursor}`);
    }),
  );

  withConnection(cmd.command('read').description('mark a notification read').argument('<id>', 'notification id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const n = await client.inbox.update(id, { read: true });
      if (o.json) return printJson(n);
      say(o, `Read: ${n.title}`);
    }),
  );

  withConnection(cmd.command('dismiss').description('dismiss a notification (it leaves the inbox; a repeat brings it back)').argument('<id>', 'notification id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const n = await client.inbox.update(id, { dismissed: true });
      if (o.json) return printJson(n);
      say(o, `Dismissed: ${n.title}`);
    }),
  );

  withConnection(cmd.command('snooze').description('hide a notification until a time (within 30 days)').argument('<id>', 'notification id').requiredOption('--until <when>', '30m, 2h, 1d or an ISO time', (v) => snoozeUntil(v))).action(
    run(async (id: string, o: ConnectionOptions & { until: string }) => {
      const { client } = await connect(o);
      const n = await client.inbox.update(id, { snoozedUntil: o.until });
      if (o.json) return printJson(n);
      say(o, `Snoozed until ${shortTime(n.snoozedUntil)}: ${n.title}`);
    }),
  );

  withConnection(cmd.command('read-all').description('mark every unread notification read')).action(
    run(async (o: ConnectionOptions) => {
      const { client } = await connect(o);
      const r = await client.inbox.bulk({ filter: { view: 'unread' }, read: true });
      if (o.json) return printJson(r);
      say(o, `${r.updated} marked read, ${r.unread} unread left`);
    }),
  );
  return cmd;
}

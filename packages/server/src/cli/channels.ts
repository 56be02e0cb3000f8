import { Command, InvalidArgumentError, Option } from 'commander';
import type { Channel, ChannelDelivery, ChannelFilters, ChannelKind, ChannelSaved, CreateChannelBody } from '@autopilot/contracts';
import { connect, fields, positiveInt, printJson, run, say, shortTime, table, UsageError, withConnection, type ConnectionOptions } from './common';

/*
 * Outbound channels on the command line (issue #15): `autopilot channels list|add|test|deliveries|delivery|retry`.
 * A webhook channel's generated signing secret is printed once, in the answer of `add`.
 */

const KINDS: readonly ChannelKind[] = ['slack', 'webhook', 'email'];
const STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** A comma-separated list option (`a,b, c`), empty items dropped. */
export const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

function severities(v: string): Array<(typeof SEVERITIES)[number]> {
  const items = list(v);
  for (const s of items) if (!(SEVERITIES as readonly string[]).includes(s)) throw new InvalidArgumentError(`--severity takes ${SEVERITIES.join(', ')}, not "${s}"`);
  return items as Array<(typeof SEVERITIES)[number]>;
}

type AddOpts = ConnectionOptions & { kind: ChannelKind; target?: string; to?: string[]; secret?: string; events?: string[]; severity?: Array<(typeof SEVERITIES)[number]>; repo?: string[] };

/** The create body for the flags, or a usage error naming the flag a kind needs. */
export function addBody(name: string, o: AddOpts): CreateChannelBody {
  const filters: ChannelFilters | undefined =
    o.events || o.severity || o.repo ? { eventTypes: o.events?.length ? o.events : ['inbox.raised'], ...(o.severity ? { severities: o.severity } : {}), ...(o.repo ? { repos: o.repo } : {}) } : undefined;
  const f = filters ? { filters } : {};
  if (o.kind === 'email') {
    if (!o.to?.length) throw new UsageError('an email channel needs --to a@example.com[,b@example.com]');
    if (o.target) throw new UsageError('--target is for slack and webhook channels; email takes --to');
    return { kind: 'email', name, to: o.to, ...f };
  }
  if (!o.target) throw new UsageError(`a ${o.kind} channel needs --target <url>`);
  if (o.to) throw new UsageError('--to is for email channels');
  if (o.kind === 'slack') {
    if (o.secret) throw new UsageError('--secret is for webhook channels (Slack incoming webhooks sign nothing)');
    return { kind: 'slack', name, url: o.target, ...f };
  }
  return { kind: 'webhook', name, url: o.target, ...(o.secret ? { secret: o.secret } : {}), ...f };
}

export function channelsTable(items: Channel[]): string {
  return table(
    ['ID', 'NAME', 'KIND', 'ENABLED', 'EVENTS', 'DELIVERED', 'FAILED', 'PENDING', 'LAST', 'TARGET'],
    items.map((c) => [c.id, c.name, c.kind, c.enabled ? 'yes' : `no${c.disabledReason ? ` (${c.disabledReason})` : ''}`, c.filters.eventTypes.join(','), c.delivered, c.failed, c.pending, c.lastDeliveryAt ? shortTime(c.lastDeliveryAt) : 'never', c.target]),
    { max: [40, 30, 7, 40, 40, 9, 6, 7, 16, 80] },
  );
}

function savedText(c: ChannelSaved): string {
  const out = [
    `Added ${c.name} (${c.id})`,
    fields([
      ['Kind', c.kind],
      ['Target', c.target],
      ['Events', c.filters.eventTypes.join(', ')],
      ['Severities', c.filters.severities?.join(', ') ?? 'all'],
      ['Repositories', c.filters.repos?.join(', ') ?? 'all'],
    ]),
  ];
  if (c.secret) out.push(`\nSigning secret (shown once, it will not be shown again; the receiver verifies webhook-signature with it): ${c.secret}`);
  return out.join('\n');
}

export function channelDeliveryText(d: ChannelDelivery): string {
  const head = fields([
    ['ID (webhook-id)', d.id],
    ['Event', `${d.eventType} (${d.eventId})`],
    ['Status', d.status],
    ['Attempts', d.attempts],
    ['Next attempt', shortTime(d.nextAttemptAt)],
    ['Last error', d.lastError],
    ['Delivered', shortTime(d.deliveredAt)],
  ]);
  return `${head}\n\n${table(['#', 'AT', 'OK', 'HTTP', 'TOOK', 'BY', 'ERROR'], d.attemptLog.map((a) => [a.n, shortTime(a.at), a.ok ? 'yes' : 'no', a.statusCode, `${a.durationMs}ms`, a.manual ? 'hand' : 'schedule', a.error]), { max: [3, 16, 3, 4, 8, 8, 80] })}`;
}

/** `autopilot channels …`. */
export function channelsCommand(): Command {
  const cmd = new Command('channels').description('outbound channels: Slack incoming webhooks, signed webhooks to any URL, e-mail; their deliveries and attempts');

  withConnection(cmd.command('list').description('the channels').option('--limit <n>', 'at most this many (1-200)', positiveInt('--limit', 200), 50)).action(
    run(async (o: ConnectionOptions & { limit: number }) => {
      const { client } = await connect(o);
      const page = await client.channels.list({ limit: o.limit });
      if (o.json) return printJson(page);
      say(o, channelsTable(page.items));
    }),
  );

  withConnection(
    cmd
      .command('add')
      .description('add a channel (admins and owners); a webhook channel answers its signing secret once')
      .argument('<name>', 'a name for people')
      .addOption(new Option('--kind <kind>', 'where it sends').choices(KINDS as string[]).makeOptionMandatory())
      .option('--target <url>', 'slack: the incoming webhook URL; webhook: the receiver URL (--url is the orchestrator)')
      .option('--to <emails>', 'email: recipients, comma-separated', list)
      .option('--secret <whsec>', 'webhook: the signing secret (whsec_…); omitted = generated')
      .option('--events <types>', 'catalog event types, `prefix.*` or `*`, comma-separated (default inbox.raised)', list)
      .option('--severity <list>', 'only these severities (info, warning, critical), comma-separated', severities)
      .option('--repo <list>', 'only these repositories (owner/name), comma-separated', list),
  ).action(
    run(async (name: string, o: AddOpts) => {
      const body = addBody(name, o);
      const { client } = await connect(o);
      const saved = await client.channels.create(body);
      if (o.json) return printJson(saved);
      say(o, savedText(saved));
    }),
  );

  withConnection(cmd.command('test').description('send a channel.test event now, once, and say how it went').argument('<id>', 'channel id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const r = await client.channels.test(id);
      if (o.json) return printJson(r);
      say(o, r.ok ? `Delivered (HTTP ${r.statusCode ?? '-'}, ${r.durationMs} ms)` : `Failed: ${r.error ?? 'no answer'}${r.statusCode ? ` (HTTP ${r.statusCode})` : ''}`);
      if (!r.ok) process.exitCode = 1;
    }),
  );

  withConnection(
    cmd
      .command('deliveries')
      .description("a channel's deliveries, newest first")
      .argument('<id>', 'channel id')
      .addOption(new Option('--status <status>', 'only this status').choices(STATUSES as unknown as string[]))
      .option('--limit <n>', 'at most this many (1-200)', positiveInt('--limit', 200), 20)
      .option('--cursor <cursor>', 'the next page'),
  ).action(
    run(async (id: string, o: ConnectionOptions & { status?: (typeof STATUSES)[number]; limit: number; cursor?: string }) => {
      const { client } = await connect(o);
      const page = await client.channels.deliveries(id, { limit: o.limit, ...(o.status ? { status: o.status } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) });
      if (o.json) return printJson(page);
      say(o, table(['ID', 'CREATED', 'EVENT', 'STATUS', 'ATTEMPTS', 'NEXT', 'LAST ERROR'], page.items.map((d) => [d.id, shortTime(d.createdAt), d.eventType, d.status, d.attempts, shortTime(d.nextAttemptAt), d.lastError]), { max: [40, 16, 30, 9, 8, 16, 60] }));
      if (page.nextCursor) say(o, `\nmore: autopilot channels deliveries ${id} --cursor ${page.nextCursor}`);
    }),
  );

  withConnection(cmd.command('delivery').description('one delivery with every attempt').argument('<id>', 'delivery id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const d = await client.channels.delivery(id);
      if (o.json) return printJson(d);
      say(o, channelDeliveryText(d));
    }),
  );

  withConnection(cmd.command('retry').description('attempt a pending or failed delivery again now (same webhook-id)').argument('<id>', 'delivery id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const d = await client.channels.retry(id);
      if (o.json) return printJson(d);
      say(o, channelDeliveryText(d));
      if (d.status !== 'delivered') process.exitCode = 1;
    }),
  );
  return cmd;
}

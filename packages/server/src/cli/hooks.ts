import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { conditionValue, type HookDelivery, type HookEndpoint, type HookEndpointSaved, type HookPreset, type HookRulesTestResult, type TestHookRulesBody } from '@autopilot/contracts';
import { connect, fields, positiveInt, printJson, run, say, shortTime, table, UsageError, withConnection, type ConnectionOptions } from './common';

/*
 * Inbound webhooks on the command line (issue #15): `autopilot hooks list|create|show|deliveries|delivery|replay|test`.
 * Tables for people, the API's JSON with --json. A secret is printed only in the answer that creates it.
 */

const PRESETS: readonly HookPreset[] = ['standard', 'github', 'linear', 'slack', 'jira'];
const STATUSES = ['queued', 'processed', 'no_match', 'failed'] as const;

/** A JSON file (or `-` for standard input), parsed; a usage error names the option when it is not JSON. */
export function readJson(option: string, file: string, stdin: () => string = () => fs.readFileSync(0, 'utf8')): unknown {
  let text: string;
  try {
    text = file === '-' ? stdin() : fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${option}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${option}: ${file} is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The rules of a file: an array of rules, or an object with `rules` (an endpoint's JSON as `hooks show --json` prints it). */
export function rulesOf(value: unknown): NonNullable<TestHookRulesBody['rules']> {
  const rules = Array.isArray(value) ? value : value && typeof value === 'object' && Array.isArray((value as { rules?: unknown }).rules) ? (value as { rules: unknown[] }).rules : null;
  if (!rules) throw new UsageError('--rules: the file holds an array of rules, or an object with "rules"');
  return rules as NonNullable<TestHookRulesBody['rules']>;
}

const lastOf = (iso: string | null) => (iso ? shortTime(iso) : 'never');

export function endpointsTable(items: HookEndpoint[]): string {
  return table(
    ['ID', 'NAME', 'PRESET', 'ENABLED', 'RULES', 'DELIVERIES', 'REJECTED', 'LAST', 'URL'],
    items.map((e) => [e.id, e.name, e.preset, e.enabled ? 'yes' : 'no', `${e.rules.length} (${e.mode})`, e.deliveries, e.rejected, lastOf(e.lastDeliveryAt), e.url]),
    { max: [40, 30, 8, 7, 9, 10, 8, 16, 100] },
  );
}

export function endpointText(e: HookEndpoint): string {
  const head = fields([
    ['ID', e.id],
    ['Name', e.name],
    ['Preset', e.preset],
    ['Payload URL', e.url],
    ['Enabled', e.enabled ? 'yes' : 'no (deliveries are refused)'],
    ['Mode', e.mode === 'first' ? 'first matching rule' : 'every matching rule'],
    ['Secret', `…${e.secretLast4}`],
    ['Reply token', e.reply.tokenSet ? `set (…${e.reply.tokenLast4 ?? ''})` : 'not set'],
    ['Deliveries', `${e.deliveries} accepted, ${e.rejected} rejected, last ${lastOf(e.lastDeliveryAt)}`],
  ]);
  const rules = table(
    ['#', 'RULE', 'ON', 'CONDITIONS', 'ACTION'],
    e.rules.map((r, i) => [i + 1, r.name, r.enabled ? 'yes' : 'no', r.conditions.map((c) => `${c.path} ${c.op}${conditionValue(c) === undefined ? '' : ` ${JSON.stringify(conditionValue(c))}`}`).join(' AND ') || '(always)', r.action.kind]),
    { max: [3, 30, 3, 80, 16] },
  );
  return `${head}\n\n${rules}`;
}

export function deliveryText(d: HookDelivery): string {
  const head = fields([
    ['ID', d.id],
    ['Delivery id', d.deliveryId],
    ['Status', d.status],
    ['Event', d.event],
    ['Replay of', d.replayOf],
    ['Matched', d.matched.join(', ') || 'no rule'],
    ['Received', shortTime(d.receivedAt)],
    ['Processed', shortTime(d.processedAt)],
    ['Error', d.error],
  ]);
  const results = table(['RULE', 'ACTION', 'OUTCOME', 'DETAIL', 'MADE'], d.results.map((r) => [r.ruleName, r.kind, r.outcome, r.detail, [r.batchId && `batch ${r.batchId}`, r.sessionId && `session ${r.sessionId}`, r.notificationId && `notification ${r.notificationId}`].filter(Boolean).join(', ')]), { max: [30, 16, 8, 80, 60] });
  return `${head}\n\n${results}\n\nPayload (secrets redacted):\n${JSON.stringify(d.payload, null, 2)}`;
}

export function testText(r: HookRulesTestResult): string {
  const lines = [`${r.matched} rule(s) matched. This was a test: nothing acted.`];
  for (const t of r.rules) {
    lines.push('', `${t.wouldRun ? 'WOULD RUN' : t.matched ? 'MATCHED (not reached)' : 'NO MATCH'}  ${t.ruleName}`);
    for (const c of t.conditions) lines.push(`  ${c.held ? 'ok ' : 'no '} ${c.path} ${c.op} -> ${c.values.length ? c.values.map((v) => JSON.stringify(v)).join(', ') : 'nothing'}${c.error ? ` (${c.error})` : ''}`);
    for (const [k, v] of Object.entries(t.variables)) lines.push(`  {{${k}}} = ${v === null ? '(nothing selected)' : JSON.stringify(v)}`);
    lines.push(`  action: ${t.action}`);
  }
  return lines.join('\n');
}

function savedText(s: HookEndpointSaved, verb: string): string {
  const out = [`${verb} ${s.name} (${s.id})`, fields([['Payload URL', s.url], ['Preset', s.preset]])];
  out.push(s.secret ? `\nSecret (shown once, it will not be shown again; give it to the sender): ${s.secret}` : `\nSecret: the one you gave (…${s.secretLast4})`);
  return out.join('\n');
}

const choice = (name: string, list: readonly string[]) => (v: string) => {
  if (!list.includes(v)) throw new InvalidArgumentError(`${name} is one of ${list.join(', ')}`);
  return v;
};

/** `autopilot hooks …`. */
export function hooksCommand(): Command {
  const cmd = new Command('hooks').description('inbound webhooks: endpoints other tools post to, their rules, the delivery log, replay and rule tests');

  withConnection(cmd.command('list').description('the endpoints, newest first').option('--limit <n>', 'at most this many (1-200)', positiveInt('--limit', 200), 50)).action(
    run(async (o: ConnectionOptions & { limit: number }) => {
      const { client } = await connect(o);
      const page = await client.hooks.list({ limit: o.limit });
      if (o.json) return printJson(page);
      say(o, endpointsTable(page.items));
    }),
  );

  withConnection(
    cmd
      .command('create')
      .description('create an endpoint: prints its payload URL and (once) its secret (admins and owners)')
      .argument('<name>', 'a name for people')
      .addOption(new Option('--preset <preset>', 'how the sender signs').choices(PRESETS as string[]).default('standard'))
      .option('--secret <secret>', "the sender's signing secret (prefer $AUTOPILOT_HOOK_SECRET, kept out of the shell history); omitted = generated")
      .addOption(new Option('--mode <mode>', 'first matching rule, or every one').choices(['first', 'all']))
      .option('--rules <file>', 'rules as JSON (an array, or an object with "rules"; - = standard input); omitted = the preset\'s starter rules')
      .option('--repo <owner/repo>', "the repository the preset's starter rules launch in (required for linear without --rules; slack: the default of /jules)")
      .option('--disabled', 'create it disabled'),
  ).action(
    run(async (name: string, o: ConnectionOptions & { preset: HookPreset; secret?: string; mode?: 'first' | 'all'; rules?: string; repo?: string; disabled?: boolean }) => {
      const secret = o.secret ?? (process.env.AUTOPILOT_HOOK_SECRET || undefined);
      const rules = o.rules ? rulesOf(readJson('--rules', o.rules)) : undefined;
      const { client } = await connect(o);
      const saved = await client.hooks.create({ name, preset: o.preset, ...(secret ? { secret } : {}), ...(o.mode ? { mode: o.mode } : {}), ...(rules ? { rules } : {}), ...(o.repo ? { repo: o.repo } : {}), ...(o.disabled ? { enabled: false } : {}) });
      if (o.json) return printJson(saved);
      say(o, savedText(saved, 'Created'));
    }),
  );

  withConnection(cmd.command('show').description('one endpoint with its rules').argument('<id>', 'endpoint id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const e = await client.hooks.get(id);
      if (o.json) return printJson(e);
      say(o, endpointText(e));
    }),
  );

  withConnection(
    cmd
      .command('deliveries')
      .description("an endpoint's delivery log, newest first")
      .argument('<id>', 'endpoint id')
      .option('--status <status>', `only this status (${STATUSES.join(', ')})`, choice('--status', STATUSES))
      .option('--limit <n>', 'at most this many (1-200)', positiveInt('--limit', 200), 20)
      .option('--cursor <cursor>', 'the next page (printed under a full page)'),
  ).action(
    run(async (id: string, o: ConnectionOptions & { status?: (typeof STATUSES)[number]; limit: number; cursor?: string }) => {
      const { client } = await connect(o);
      const page = await client.hooks.deliveries(id, { limit: o.limit, ...(o.status ? { status: o.status } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) });
      if (o.json) return printJson(page);
      say(o, table(['ID', 'RECEIVED', 'STATUS', 'EVENT', 'MATCHED', 'REPLAY OF'], page.items.map((d) => [d.id, shortTime(d.receivedAt), d.status, d.event, d.matched.join(', '), d.replayOf]), { max: [40, 16, 9, 30, 50, 40] }));
      if (page.nextCursor) say(o, `\nmore: autopilot hooks deliveries ${id} --cursor ${page.nextCursor}`);
    }),
  );

  withConnection(cmd.command('delivery').description('one delivery: redacted headers and payload, what each matched rule did').argument('<id>', 'delivery id (from `hooks deliveries`)')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const d = await client.hooks.delivery(id);
      if (o.json) return printJson(d);
      say(o, deliveryText(d));
    }),
  );

  withConnection(cmd.command('replay').description("run a stored delivery through the endpoint's current rules again: its actions act again").argument('<id>', 'delivery id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const r = await client.hooks.replay(id);
      if (o.json) return printJson(r);
      say(o, `Replay queued as ${r.delivery.id} (status ${r.delivery.status}); follow it with: autopilot hooks delivery ${r.delivery.id}`);
    }),
  );

  withConnection(
    cmd
      .command('test')
      .description('evaluate rules (saved, or draft from --rules) against a payload or a stored delivery: what would match and do; nothing acts')
      .argument('<id>', 'endpoint id')
      .addOption(new Option('--payload <file>', 'the payload as JSON (- = standard input)').conflicts('delivery'))
      .option('--delivery <id>', 'a stored delivery of this endpoint')
      .option('--rules <file>', 'draft rules as JSON (an array, or an object with "rules")')
      .addOption(new Option('--mode <mode>', 'first matching rule, or every one').choices(['first', 'all'])),
  ).action(
    run(async (id: string, o: ConnectionOptions & { payload?: string; delivery?: string; rules?: string; mode?: 'first' | 'all' }) => {
      if (!o.payload && !o.delivery) throw new UsageError('give --payload <file> or --delivery <id>');
      const body: TestHookRulesBody = {
        ...(o.payload ? { payload: readJson('--payload', o.payload) } : { deliveryId: o.delivery }),
        ...(o.rules ? { rules: rulesOf(readJson('--rules', o.rules)) } : {}),
        ...(o.mode ? { mode: o.mode } : {}),
      };
      const { client } = await connect(o);
      const r = await client.hooks.test(id, body);
      if (o.json) return printJson(r);
      say(o, testText(r));
    }),
  );
  return cmd;
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ApiClient } from '@autopilot/client';
import type { Batch, BatchPreview, CreateBatchBody, Template } from '@autopilot/contracts';
import { cell, connect, fields, positiveInt, printJson, run, say, shortSource, shortTime, sourceName, table, UsageError, withConnection, type ConnectionOptions } from './common';

/*
 * `autopilot batch FILE` (a task list as one batch) and `autopilot batches ls|show|cancel|retry`. The progress bar
 * and the items table are exported for `templates launch --wait`.
 */

/** `--var k=v`, repeatable: collected into one record (the server types each value by its variable). */
export function collectVar(v: string, prev: Record<string, string> = {}): Record<string, string> {
  const eq = v.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError(`--var takes name=value, not "${v}"`);
  return { ...prev, [v.slice(0, eq).trim()]: v.slice(eq + 1) };
}

/** A template by id, else by name (any case): the name is what people remember. */
export async function resolveTemplate(client: ApiClient, idOrName: string): Promise<Template> {
  try {
    return await client.templates.get(idOrName);
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
  }
  const wanted = idOrName.trim().toLowerCase();
  const found = (await client.templates.all()).find((t) => t.name.toLowerCase() === wanted);
  if (!found) throw new UsageError(`no template "${idOrName}" (autopilot templates ls lists them)`);
  return found;
}

/** The format a file name implies: .csv -> csv, .md -> checklist, anything else (stdin too) -> lines. */
export function formatOf(file: string): 'csv' | 'checklist' | 'lines' {
  const ext = path.extname(file).toLowerCase();
  return ext === '.csv' ? 'csv' : ext === '.md' || ext === '.markdown' ? 'checklist' : 'lines';
}

const hhmm = (isoText: string) => isoText.slice(11, 16);

/**
 * One line of progress: `[#####-----] 3/5 created, 1 queued (#1, ~14:05), 0 failed`. The bar fills with the items
 * settled (created, failed or cancelled); the queued clause names the next item's place in line and its ETA (UTC).
 */
export function renderProgress(b: Pick<Batch, 'counts' | 'items'>, width = 10): string {
  const c = b.counts;
  const settled = c.created + c.failed + c.cancelled;
  const filled = c.total === 0 ? width : Math.min(width, Math.floor((settled / c.total) * width));
  const parts = [`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${c.created}/${c.total} created`];
  if (c.dispatching > 0) parts.push(`${c.dispatching} sending`);
  const next = b.items.filter((i) => i.state === 'queued' && i.position !== null).sort((x, y) => (x.position ?? 0) - (y.position ?? 0))[0];
  const where = next ? ` (#${next.position}${next.eta ? `, ~${hhmm(next.eta)}` : ''})` : '';
  parts.push(`${c.queued} queued${c.queued > 0 ? where : ''}`);
  parts.push(`${c.failed} failed`);
  if (c.cancelled > 0) parts.push(`${c.cancelled} cancelled`);
  return parts.join(', ');
}

/** The items of a batch: state, session (or the queue place), repository, error. */
export function itemsTable(b: Batch): string {
  return table(
    ['#', 'STATE', 'SESSION', 'REPO', 'TASK', 'ERROR'],
    b.items.map((i) => [i.index + 1, i.state, i.sessionId ?? (i.state === 'queued' && i.position ? `#${i.position} in line` : null), shortSource(i.request.source), i.label, i.error]),
    { max: [4, 12, 40, 40, 50, 80] },
  );
}

/** A line per problem, with its row: what a dry run and a refused create print. */
export function problemLines(problems: Array<{ row?: number | null; item?: number | null; path: string; message: string }>): string[] {
  return problems.map((p) => {
    const where = p.row ? `row ${p.row}` : p.item !== null && p.item !== undefined ? `item ${p.item + 1}` : 'batch';
    // The server's message for a task-list row already starts "row N:" (do not say it twice).
    return p.row && p.message.startsWith(`row ${p.row}`) ? `  ${p.message} (${p.path})` : `  ${where}: ${p.path}: ${p.message}`;
  });
}

/** A progress writer: a TTY redraws one line, anything else gets one line per change (logs stay readable). */
export function progressWriter(stream: NodeJS.WriteStream = process.stderr) {
  let last = '';
  return {
    update(line: string) {
      if (line === last) return;
      last = line;
      // A redrawn line longer than the terminal would wrap, and \r only returns to the start of the last row.
      const fit = stream.isTTY && stream.columns ? line.slice(0, stream.columns - 1) : line;
      stream.write(stream.isTTY ? `\r\u001b[2K${fit}` : `${line}\n`);
    },
    end() {
      if (stream.isTTY && last) stream.write('\n');
    },
  };
}

/**
 * Follows a batch until it is no longer running: the event stream's `batch.progress` for this batch triggers a read
 * (the event has counts, the bar also wants the next item's place in line), and a read every `pollMs` covers a
 * lost stream. Answers the final batch.
 */
export async function followBatch(client: ApiClient, first: Batch, opts: { pollMs?: number; write?: (line: string) => void } = {}): Promise<Batch> {
  const writer = opts.write ? { update: opts.write, end: () => undefined } : progressWriter();
  let batch = first;
  writer.update(renderProgress(batch));
  if (batch.state !== 'running') return (writer.end(), batch);
  return new Promise<Batch>((resolve, reject) => {
    let reading = false;
    let again = false;
    let finished = false;
    // Ctrl-C stops following, not the batch: say so, and how to look at it again.
    const interrupted = () => {
      finish();
      process.stderr.write(`stopped following; the batch goes on: autopilot batches show ${batch.id}\n`);
      process.exit(130);
    };
    const finish = (err?: unknown) => {
      if (finished) return;
      finished = true;
      process.off('SIGINT', interrupted);
      clearInterval(timer);
      sub.close();
      writer.end();
      if (err) reject(err);
      else resolve(batch);
    };
    const refresh = async () => {
      if (reading) return void (again = true);
      reading = true;
      try {
        do {
          again = false;
          batch = await client.batches.get(batch.id);
          writer.update(renderProgress(batch));
        } while (again);
        if (batch.state !== 'running') finish();
      } catch (err) {
        // A network blip is retried by the next tick; a 4xx (the batch is gone, the key revoked) ends the wait.
        const status = (err as { status?: number }).status ?? 0;
        if (status >= 400 && status < 500) finish(err);
      } finally {
        reading = false;
      }
    };
    const sub = client.events({
      onEvent: (e) => {
        if (e.type === 'batch.progress' && e.data.id === batch.id) void refresh();
      },
      onState: (state) => {
        // Connected (again): anything missed in between is read once.
        if (state === 'connected') void refresh();
      },
    });
    const timer = setInterval(() => void refresh(), opts.pollMs ?? 5000);
    process.once('SIGINT', interrupted);
    void refresh();
  });
}

/** Prints a finished batch (items table, or the Batch as JSON) and sets exit code 1 when an item failed. */
export function reportBatch(o: ConnectionOptions, b: Batch): void {
  if (o.json) printJson(b);
  else {
    say(o, itemsTable(b));
    say(o, `\nbatch ${b.id} ${b.state}: ${b.counts.created}/${b.counts.total} created, ${b.counts.failed} failed${b.counts.cancelled ? `, ${b.counts.cancelled} cancelled` : ''}`);
    if (b.counts.failed > 0) say(o, `retry the failed items: autopilot batches retry ${b.id}`);
  }
  if (b.counts.failed > 0) process.exitCode = 1;
}

/** A 400 with the batch's problems: every issue on its own line (a long CSV may have many), then exit 1. */
function failWithIssues(err: unknown): never | void {
  const e = err as { name?: string; status?: number; message?: string; details?: { issues?: Array<{ path: string; message: string }> } };
  const issues = e?.details?.issues;
  if (e?.name !== 'ApiError' || e.status !== 400 || !issues?.length) return;
  process.stderr.write(`autopilot: ${e.message}\n${problemLines(issues.map((i) => ({ ...i, row: Number(/^row (\d+)/.exec(i.message)?.[1]) || null, item: null }))).join('\n')}\n`);
  process.exit(1);
}

function readInput(file: string): string {
  if (file === '-') return fs.readFileSync(0, 'utf8');
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

type BatchOpts = ConnectionOptions & {
  format?: 'csv' | 'checklist' | 'lines';
  repo?: string;
  branch?: string;
  template?: string;
  var?: Record<string, string>;
  account?: string;
  name?: string;
  idempotencyKey?: string;
  dryRun?: boolean;
  wait: boolean;
  requireApproval?: boolean;
  autoPr?: boolean;
};

const BATCH_HELP = `
Idempotent by default: the idempotency key is a SHA-256 of the file's text and these options, so running the same
command twice creates nothing new (the second run follows the first run's batch). Give --idempotency-key to choose
one, e.g. to submit the same list again on purpose with another key.

Formats: lines (one task per line, # comments), csv (header row; columns prompt, source or repo, branch, title, or
the template's variables), checklist (markdown "- [ ] task"; checked items are skipped).

Examples:
  autopilot batch tasks.md --repo acme/api --branch main --dry-run
  autopilot batch repos.csv --template "Fix an issue" --var issue=42
  git log --format=%s -5 | autopilot batch - --repo acme/api --no-wait`;

/** `autopilot batch FILE`: a task list as one batch, dry run or created and followed to the end. */
export function batchCommand(): Command {
  return withConnection(
    new Command('batch')
      .description('start one session per task of a file (lines, CSV or markdown checklist) as one batch, and follow it')
      .argument('<file>', 'the task list (- = stdin)')
      .addOption(new Option('--format <format>', 'how to read the file (default: from the extension: .csv, .md, else lines)').choices(['lines', 'csv', 'checklist']))
      .option('--repo <repo>', 'the repository of every task without its own (owner/repo)', sourceName)
      .option('--branch <branch>', 'the starting branch of every task without its own')
      .option('--template <id or name>', 'each task fills this template (a line: its {{task}}; a CSV row: its columns)')
      .option('--var <name=value>', 'a template value shared by every task (repeatable)', collectVar)
      .option('--account <id>', 'which Jules account (needed when the workspace has several)')
      .option('--name <name>', 'the batch name (default: from the template or the first task)')
      .option('--idempotency-key <key>', 'default: a SHA-256 of the file and these options (see below)')
      .option('--require-approval', 'hold every plan for approval')
      .option('--auto-pr', 'open a pull request when each session is done')
      .option('--dry-run', 'print what would be created and every problem with its row; create nothing (exit 1 on problems)')
      .option('--no-wait', 'print the batch and return without following it')
      .addHelpText('after', BATCH_HELP),
  ).action(
    run(async (file: string, o: BatchOpts) => {
      const text = readInput(file);
      const { url, key } = await connect(o);
      // The create answers 201 (new) or 200 (the key's earlier batch); the client returns only the body, so its
      // fetch records the status of that one call.
      let createStatus = 0;
      const { createClient } = await import('@autopilot/client');
      const client = createClient({
        baseUrl: url,
        apiKey: key,
        fetch: async (input, init) => {
          const res = await globalThis.fetch(input, init);
          if (init?.method === 'POST' && String(input).endsWith('/api/batches')) createStatus = res.status;
          return res;
        },
      });
      const template = o.template ? await resolveTemplate(client, o.template) : undefined;
      const input: CreateBatchBody['input'] = {
        kind: 'tasks',
        format: o.format ?? formatOf(file),
        text,
        ...(o.repo ? { source: o.repo } : {}),
        ...(o.branch ? { branch: o.branch } : {}),
        ...(template ? { templateId: template.id } : {}),
        ...(o.var && Object.keys(o.var).length ? { values: o.var } : {}),
        ...(o.requireApproval ? { requirePlanApproval: true } : {}),
        ...(o.autoPr ? { autoCreatePr: true } : {}),
      };
      const base = { ...(o.name ? { name: o.name } : {}), input, ...(o.account ? { accountId: o.account } : {}) };
      const idempotencyKey = o.idempotencyKey ?? `cli:${createHash('sha256').update(JSON.stringify(base)).digest('hex')}`;
      const body: CreateBatchBody = { ...base, idempotencyKey };

      if (o.dryRun) {
        const preview = await client.batches.preview(body);
        printPreview(o, preview);
        if (preview.problems.length > 0) process.exitCode = 1;
        return;
      }
      let batch: Batch;
      try {
        batch = await client.batches.create(body);
      } catch (err) {
        failWithIssues(err);
        throw err;
      }
      const earlier = createStatus === 200;
      process.stderr.write(`${earlier ? 'already started by an earlier run (same idempotency key), nothing new created:' : 'started'} batch ${batch.id} "${cell(batch.name, 60)}", ${batch.counts.total} item(s)\n`);
      if (!o.wait) return o.json ? printJson(batch) : say(o, `follow it: autopilot batches show ${batch.id}`);
      reportBatch(o, await followBatch(client, batch));
    }),
  );
}

function printPreview(o: ConnectionOptions, p: BatchPreview): void {
  if (o.json) return printJson(p);
  say(o, table(['#', 'ROW', 'REPO', 'BRANCH', 'TASK', 'PROBLEMS'], p.items.map((i) => [i.index + 1, i.row, shortSource(i.request.source), i.request.startingBranch, i.label, i.problems.map((x) => (x.variable ? `{{${x.variable}}} ${x.message}` : x.message)).join('; ')]), { max: [4, 5, 40, 20, 50, 80] }));
  for (const s of p.skipped) say(o, `skipped row ${s.row}: ${s.reason}`);
  if (p.problems.length === 0) return say(o, `\n${p.items.length} item(s), no problems: run it without --dry-run to start it (account ${p.accountId ?? '-'})`);
  say(o, `\n${p.problems.length} problem(s), nothing would be created:`);
  say(o, problemLines(p.problems).join('\n'));
}

/** `autopilot batches ls|show|cancel|retry`. */
export function batchesCommand(): Command {
  const cmd = new Command('batches').description('batches: list, show with every item, cancel what is not sent, retry what failed');

  withConnection(
    cmd
      .command('ls')
      .alias('list')
      .description('batches, newest first, with their counts')
      .addOption(new Option('--state <state>', 'only batches in this state').choices(['running', 'done', 'cancelled']))
      .option('--limit <n>', 'at most this many (1-500)', positiveInt('--limit', 500), 20)
      .option('--cursor <cursor>', 'the next page (printed under a full page)'),
  ).action(
    run(async (o: ConnectionOptions & { state?: 'running' | 'done' | 'cancelled'; limit: number; cursor?: string }) => {
      const { client } = await connect(o);
      const page = await client.batches.list({ state: o.state, limit: o.limit, cursor: o.cursor });
      if (o.json) return printJson(page);
      say(o, table(['ID', 'STATE', 'CREATED', 'QUEUED', 'FAILED', 'STARTED', 'NAME'], page.items.map((b) => [b.id, b.state, `${b.counts.created}/${b.counts.total}`, b.counts.queued + b.counts.dispatching, b.counts.failed, shortTime(b.createdAt), b.name]), { max: [40, 10, 9, 6, 6, 16, 60] }));
      if (page.nextCursor) say(o, `\nmore: autopilot batches ls --cursor ${page.nextCursor}`);
    }),
  );

  withConnection(cmd.command('show').description('one batch with every item').argument('<id>', 'batch id')).action(
    run(async (id: string, o: ConnectionOptions) => {
      const { client } = await connect(o);
      const b = await client.batches.get(id);
      if (o.json) return printJson(b);
      say(o, fields([['ID', b.id], ['Name', b.name], ['State', b.state], ['Progress', renderProgress(b)], ['Account', b.accountId], ['Origin', b.origin.id ? `${b.origin.kind} ${b.origin.id}` : b.origin.kind], ['Started', shortTime(b.createdAt)], ['Updated', shortTime(b.updatedAt)]]));
      say(o, `\n${itemsTable(b)}`);
    }),
  );

  const act = (name: string, description: string, call: (c: ApiClient, id: string) => Promise<Batch>) =>
    withConnection(cmd.command(name).description(description).argument('<id>', 'batch id')).action(
      run(async (id: string, o: ConnectionOptions) => {
        const { client } = await connect(o);
        const b = await call(client, id);
        if (o.json) return printJson(b);
        say(o, `${name === 'cancel' ? 'cancelled' : 'retried'} ${b.id}  ${b.state}  ${renderProgress(b)}`);
      }),
    );
  act('cancel', 'cancel every item not sent yet (created sessions stay)', (c, id) => c.batches.cancel(id));
  act('retry', 'queue every failed item again', (c, id) => c.batches.retry(id));
  return cmd;
}

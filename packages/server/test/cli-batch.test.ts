import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Batch, BatchPage, BatchPreview, DispatchAccount, DispatchAccountList, DispatchIntentPage, Template, TemplatePreview, type BatchItem } from '@autopilot/contracts';
import { ADMIN_KEY, startTestOrchestrator, type TestOrchestrator } from './harness';
import { bin, cli, exited, pool, tmp } from './cli-support';
import { followBatch, formatOf, progressWriter, renderProgress } from '../src/cli/batch';

/*
 * `autopilot batch`, `batches`, `templates` and `dispatch` as child processes against a running orchestrator (the
 * in-process demo simulator): tables for people, the contract JSON with --json, a dry run naming a broken CSV row,
 * a real batch reaching 3/3 and the same command again creating nothing new. The progress line is unit-tested.
 */

const REPO = 'acme-corp/storefront';
const counts = (c: Partial<Batch['counts']>): Batch['counts'] => ({ total: 0, queued: 0, dispatching: 0, created: 0, failed: 0, cancelled: 0, ...c });
const item = (i: Partial<BatchItem>): BatchItem => ({
  index: 0,
  row: 1,
  label: 'x',
  intentId: 'i',
  state: 'queued',
  request: { prompt: 'x', title: null, source: null, startingBranch: null, requirePlanApproval: false, autoCreatePr: false },
  sessionId: null,
  error: null,
  position: null,
  eta: null,
  waitingFor: null,
  ...i,
});

describe('the progress line', () => {
  it('fills the bar with settled items and names the next queued item with its ETA', () => {
    const items = [item({ state: 'created' }), item({ state: 'queued', position: 2, eta: '2026-12-02T14:09:00.000Z' }), item({ state: 'queued', position: 1, eta: '2026-12-02T14:05:30.000Z' })];
    expect(renderProgress({ counts: counts({ total: 5, created: 3, queued: 2 }), items })).toBe('[######----] 3/5 created, 2 queued (#1, ~14:05), 0 failed');
    expect(renderProgress({ counts: counts({ total: 5, created: 3, failed: 1, dispatching: 1 }), items: [] })).toBe('[########--] 3/5 created, 1 sending, 0 queued, 1 failed');
    expect(renderProgress({ counts: counts({ total: 3, created: 3 }), items: [] })).toBe('[##########] 3/3 created, 0 queued, 0 failed');
    expect(renderProgress({ counts: counts({ total: 4, created: 1, cancelled: 3 }), items: [] })).toBe('[##########] 1/4 created, 0 queued, 0 failed, 3 cancelled');
    // A queued item without a place yet (the forecast has not run) shows no clause.
    expect(renderProgress({ counts: counts({ total: 1, queued: 1 }), items: [item({})] })).toBe('[----------] 0/1 created, 1 queued, 0 failed');
  });

  it('redraws one line on a TTY and writes one line per change elsewhere', () => {
    const sink = (isTTY: boolean) => {
      const chunks: string[] = [];
      return { chunks, stream: { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream };
    };
    const tty = sink(true);
    const w = progressWriter(tty.stream);
    w.update('a');
    w.update('a');
    w.update('b');
    w.end();
    expect(tty.chunks).toEqual(['\r\u001b[2Ka', '\r\u001b[2Kb', '\n']);
    const log = sink(false);
    const l = progressWriter(log.stream);
    l.update('a');
    l.update('a');
    l.update('b');
    l.end();
    expect(log.chunks).toEqual(['a\n', 'b\n']);
    // A narrow terminal gets the line cut to its width (a wrapped line could not be redrawn in place).
    const narrow = sink(true);
    (narrow.stream as { columns?: number }).columns = 6;
    progressWriter(narrow.stream).update('[#####-----] 3/5');
    expect(narrow.chunks).toEqual(['\r\u001b[2K[####']);
  });

  it('follows a batch by its progress events, and by reading it when the stream says nothing', async () => {
    const batchOf = (created: number, state: Batch['state'] = 'running') =>
      ({ id: 'b1', name: 'n', state, accountId: 'a', origin: { kind: 'api', id: null }, templateId: null, idempotencyKey: null, counts: counts({ total: 2, created, queued: 2 - created }), items: [], createdAt: '2026-12-02T14:00:00.000Z', updatedAt: '2026-12-02T14:00:00.000Z' }) as Batch;
    // Events only: no poll within the test (pollMs is an hour); each batch.progress of this batch is one read.
    let onEvent: ((e: unknown) => void) | undefined;
    let closed = 0;
    const answers = [batchOf(0), batchOf(1), batchOf(2, 'done')];
    let reads = 0;
    const client = {
      batches: { get: async () => answers[Math.min(reads++, answers.length - 1)] },
      events: (o: { onEvent: (e: unknown) => void }) => ((onEvent = o.onEvent), { close: () => void closed++ }),
    } as unknown as Parameters<typeof followBatch>[0];
    const lines: string[] = [];
    const done = followBatch(client, batchOf(0), { pollMs: 3_600_000, write: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 20));
    onEvent!({ type: 'batch.progress', data: { id: 'other' } });
    await new Promise((r) => setTimeout(r, 20));
    expect(reads).toBe(1);
    onEvent!({ type: 'batch.progress', data: { id: 'b1' } });
    await new Promise((r) => setTimeout(r, 20));
    onEvent!({ type: 'batch.progress', data: { id: 'b1' } });
    const final = await done;
    expect(final.state).toBe('done');
    expect(closed).toBe(1);
    expect(lines.at(-1)).toBe('[##########] 2/2 created, 0 queued, 0 failed');

    // No event ever: the reads every pollMs end it.
    reads = 0;
    const silent = { ...client, events: () => ({ close: () => undefined }) } as unknown as Parameters<typeof followBatch>[0];
    expect((await followBatch(silent, batchOf(0), { pollMs: 10, write: () => undefined })).state).toBe('done');
    expect(reads).toBe(3);
  });

  it('reads the format from the extension', () => {
    expect([formatOf('x.csv'), formatOf('X.CSV'), formatOf('todo.md'), formatOf('tasks.txt'), formatOf('-')]).toEqual(['csv', 'csv', 'checklist', 'lines', 'lines']);
  });
});

describe('autopilot batch, batches, templates and dispatch', () => {
  let t: TestOrchestrator;
  let dir: string;
  let env: Record<string, string>;
  const run = (args: string[]) => cli(args, { env });
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    t = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '0', JULES_DEMO_SPEED: '60', JULES_POLL_INTERVAL_MS: '500' }, { listen: true });
    dir = tmp('autopilot-cli-batch-');
    env = { HOME: dir, AUTOPILOT_CONFIG: path.join(dir, 'config.json'), AUTOPILOT_URL: t.orch.url, AUTOPILOT_KEY: ADMIN_KEY };
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the quota per account, sets its limits and lists the creates, as tables and as the contract JSON', { timeout: 90_000 }, async () => {
    const list = DispatchAccountList.parse(await (await t.request('/api/dispatch/accounts')).json());
    const account = list.items[0].accountId;
    const [status, statusJson, limits, noChange, custom, lsJson, ls] = await pool(
      [
        ['dispatch'],
        ['dispatch', 'status', '--json'],
        ['dispatch', 'limits', account, '--plan', 'free', '--in-flight', '2', '--json'],
        ['dispatch', 'limits', account],
        ['dispatch', 'limits', account, '--plan', 'custom', '--concurrent', '4'],
        ['dispatch', 'ls', '--json', '--limit', '5'],
        ['dispatch', 'ls', '--state', 'QUEUED'],
      ],
      3,
      run,
    );
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.split('\n')[0]).toMatch(/^ACCOUNT +NAME +PLAN +ACTIVE +TODAY +QUEUED +SENDING +IN FLIGHT$/);
    expect(status.stdout).toContain(account);
    // The forecast note is printed under the table, per account.
    // (It runs beside the limits change, so its words are not compared with a read from before.)
    expect(status.stdout).toMatch(new RegExp(`\\n\\n${account}: \\S.+`));
    expect(DispatchAccountList.parse(JSON.parse(statusJson.stdout)).items.map((a) => a.accountId)).toEqual(list.items.map((a) => a.accountId));

    expect(limits.code, limits.stderr).toBe(0);
    const set = DispatchAccount.parse(JSON.parse(limits.stdout));
    expect(set.limits).toMatchObject({ plan: 'free', concurrent: 3, daily: 15, inFlight: 2 });
    expect(DispatchAccount.parse(await (await t.request(`/api/dispatch/accounts/${account}`)).json()).limits.plan).toBe('free');
    // A usage mistake is exit 2 and sends nothing.
    expect(noChange.code).toBe(2);
    expect(noChange.stderr).toContain('nothing to change');
    expect(custom.code).toBe(2);
    expect(custom.stderr).toContain('--plan custom needs --concurrent and --daily');

    expect(lsJson.code, lsJson.stderr).toBe(0);
    DispatchIntentPage.parse(JSON.parse(lsJson.stdout));
    expect(ls.code, ls.stderr).toBe(0);
    // Nothing is queued on an idle account: the empty table says so.
    expect(ls.stdout.trim()).toBe('(none)');
    const badState = await run(['dispatch', 'ls', '--state', 'waiting']);
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain('--state is one of queued, dispatching, created, failed, cancelled, not "waiting"');
    const status2 = await run(['dispatch']);
    expect(status2.stdout).toMatch(new RegExp(`${account} .* free +\\d+/3 +\\d+/15 `));
    // Back to no limits: demo sessions wait for plan approval and would hold the free plan's three slots.
    const reset = await run(['dispatch', 'limits', account, '--plan', 'unknown', '--in-flight', '3']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(new RegExp(`${account} .* unknown +\\d+ +\\d+ `));
  });

  it('lists, shows and previews templates by id or name; a bad value is exit 1 naming the variable', { timeout: 90_000 }, async () => {
    const res = await t.request('/api/templates', {
      method: 'POST',
      json: { name: 'Fix an issue', prompt: 'Fix issue #{{issue}} in {{repo}}.', title: 'Fix #{{issue}}', variables: [{ name: 'repo', type: 'repo', required: true }, { name: 'issue', type: 'number', required: true }], tags: ['bugs'] },
    });
    expect(res.status).toBe(201);
    const tpl = Template.parse(await res.json());
    const [ls, lsJson, show, showJson, good, bad, missing] = await pool(
      [
        ['templates', 'ls'],
        ['templates', 'ls', '--json', '--tag', 'bugs'],
        ['templates', 'show', 'fix an issue'],
        ['templates', 'show', tpl.id, '--json'],
        ['templates', 'preview', tpl.id, '--var', `repo=${REPO}`, '--var', 'issue=42', '--json'],
        ['templates', 'preview', 'Fix an issue', '--var', `repo=${REPO}`, '--var', 'issue=forty-two'],
        ['templates', 'show', 'no such template'],
      ],
      3,
      run,
    );
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`${tpl.id} +Fix an issue +repo:repo! issue:number!`));
    expect((JSON.parse(lsJson.stdout) as { items: unknown[] }).items.map((x) => Template.parse(x).id)).toEqual([tpl.id]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`ID:`);
    expect(show.stdout).toContain(tpl.id);
    expect(show.stdout).toContain('Fix issue #{{issue}} in {{repo}}.');
    expect(Template.parse(JSON.parse(showJson.stdout)).version).toBe(1);
    expect(good.code, good.stderr).toBe(0);
    const p = TemplatePreview.parse(JSON.parse(good.stdout));
    expect(p.prompt).toBe(`Fix issue #42 in ${REPO}.`);
    expect(p.problems).toEqual([]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/1 problem\(s\):\n +\{\{issue\}\} /);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no template "no such template"');

    // A launch answers a batch; --wait follows it to the end.
    const launch = await run(['templates', 'launch', 'Fix an issue', '--repo', REPO, '--var', 'issue=7', '--wait', '--json']);
    expect(launch.code, launch.stderr).toBe(0);
    const b = Batch.parse(JSON.parse(launch.stdout));
    expect(b.counts).toMatchObject({ total: 1, created: 1, failed: 0 });
    expect(b.items[0].request.prompt).toBe(`Fix issue #7 in ${REPO}.`);
    expect(launch.stderr).toContain('[##########] 1/1 created');
  });

  it('a dry run prints every item and names a broken CSV row (exit 1), and nothing is created', { timeout: 60_000 }, async () => {
    const csv = file('tasks.csv', `prompt,source\n"Fix it",${REPO}\n"Only one field"\n`);
    const before = BatchPage.parse(await (await t.request('/api/batches')).json()).items.length;
    const [dry, dryJson, create] = await pool([['batch', csv, '--dry-run'], ['batch', csv, '--dry-run', '--json'], ['batch', csv, '--no-wait']], 3, run);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('row 3: has 1 field, the header has 2');
    expect(dryJson.code).toBe(1);
    const preview = BatchPreview.parse(JSON.parse(dryJson.stdout));
    expect(preview.problems.map((x) => x.row)).toContain(3);
    // Without --dry-run the server refuses the whole batch: the row is named on stderr.
    expect(create.code).toBe(1);
    expect(create.stderr).toContain('row 3: has 1 field, the header has 2');
    expect(BatchPage.parse(await (await t.request('/api/batches')).json()).items.length).toBe(before);

    // A template by name, a CSV column per variable, a shared --var.
    const issues = file('issues.csv', 'issue\n5\n6\n');
    const tpl = await run(['batch', issues, '--template', 'fix an issue', '--var', `repo=${REPO}`, '--dry-run', '--json']);
    expect(tpl.code, tpl.stderr).toBe(0);
    expect(BatchPreview.parse(JSON.parse(tpl.stdout)).items.map((i) => [i.row, i.request.prompt])).toEqual([
      [2, `Fix issue #5 in ${REPO}.`],
      [3, `Fix issue #6 in ${REPO}.`],
    ]);
  });

  it('reads the task list from stdin with -', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [bin, 'batch', '-', '--repo', REPO, '--dry-run', '--json'], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stdin.end('Fix the footer\n\nUpdate the README\n');
    expect(await exited(child)).toBe(0);
    const preview = BatchPreview.parse(JSON.parse(stdout));
    expect(preview.problems).toEqual([]);
    expect(preview.items.map((i) => [i.row, i.request.prompt, i.request.source])).toEqual([
      [1, 'Fix the footer', `sources/github/${REPO}`],
      [3, 'Update the README', `sources/github/${REPO}`],
    ]);
  });

  it('runs a 3-line batch to 3/3 with progress on stderr, and the same command again creates nothing new', { timeout: 120_000 }, async () => {
    const lines = file('tasks.txt', 'Fix the login test\n# a comment\nAdd a dark mode toggle\nWrite the changelog\n');
    const first = await run(['batch', lines, '--repo', REPO, '--branch', 'main', '--name', 'cli three', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const b = Batch.parse(JSON.parse(first.stdout));
    expect(b.name).toBe('cli three');
    expect(b.counts).toMatchObject({ total: 3, created: 3, failed: 0 });
    expect(b.items.map((i) => i.row)).toEqual([1, 3, 4]);
    expect(b.items.every((i) => i.sessionId && i.request.source === `sources/github/${REPO}`)).toBe(true);
    // Not a TTY: one line per change, the last one complete.
    const progress = first.stderr.split('\n').filter((l) => l.startsWith('['));
    expect(progress.at(-1)).toBe('[##########] 3/3 created, 0 queued, 0 failed');
    const batchesBefore = BatchPage.parse(await (await t.request('/api/batches?limit=100')).json()).items.length;
    const intentsBefore = DispatchIntentPage.parse(await (await t.request('/api/dispatch/intents?limit=500')).json()).items.length;

    const again = await run(['batch', lines, '--repo', REPO, '--branch', 'main', '--name', 'cli three']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`already started by an earlier run (same idempotency key), nothing new created: batch ${b.id}`);
    expect(again.stdout.split('\n')[0]).toMatch(/^# +STATE +SESSION +REPO +TASK/);
    for (const i of b.items) expect(again.stdout).toContain(i.sessionId!);
    expect(BatchPage.parse(await (await t.request('/api/batches?limit=100')).json()).items.length).toBe(batchesBefore);
    expect(DispatchIntentPage.parse(await (await t.request('/api/dispatch/intents?limit=500')).json()).items.length).toBe(intentsBefore);

    // The batches group reads it back.
    const [ls, show, retry] = await pool([['batches', 'ls'], ['batches', 'show', b.id, '--json'], ['batches', 'retry', b.id]], 3, run);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`${b.id} +done +3/3 `));
    expect(Batch.parse(JSON.parse(show.stdout)).id).toBe(b.id);
    // Nothing failed: the server's 409 in one line, exit 1.
    expect(retry.code).toBe(1);
    expect(retry.stderr).toMatch(/^autopilot: conflict: Nothing to retry.*\[HTTP 409\]\n$/);
  });
  it('Ctrl-C stops following a waiting batch (exit 130, the batch goes on), and batches cancel cancels what is not sent', { timeout: 60_000 }, async () => {
    const account = DispatchAccountList.parse(await (await t.request('/api/dispatch/accounts')).json()).items[0].accountId;
    expect((await run(['dispatch', 'limits', account, '--pause'])).code).toBe(0);
    const tasks = file('paused.txt', 'Held task one\nHeld task two\n');
    const child = spawn(process.execPath, [bin, 'batch', tasks, '--repo', REPO], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = exited(child);
    // Sent nothing (paused): the bar shows both waiting, then Ctrl-C.
    for (let i = 0; i < 200 && !stderr.includes('0/2 created, 2 queued'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('0/2 created, 2 queued');
    child.kill('SIGINT');
    expect(await code).toBe(130);
    const id = /batch ([0-9a-f-]{36})/.exec(stderr)![1];
    expect(stderr).toContain(`stopped following; the batch goes on: autopilot batches show ${id}`);
    expect(Batch.parse(await (await t.request(`/api/batches/${id}`)).json()).state).toBe('running');

    const cancel = await run(['batches', 'cancel', id]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toBe(`cancelled ${id}  cancelled  [##########] 0/2 created, 0 queued, 0 failed, 2 cancelled\n`);
    expect((await run(['dispatch', 'limits', account, '--resume'])).code).toBe(0);
  });
});

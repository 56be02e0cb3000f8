import { describe, expect, it } from 'vitest';
import { QueryClient, type InfiniteData } from '@tanstack/react-query';
import type { BatchItem, BatchPreview, BatchSummary, TemplateVariable } from '@autopilot/contracts';
import { applyProgress, patchBatchLists, type BatchListPage, batchBody, checkBody, coerceValues, emptyForm, fieldErrors, fieldOfPath, itemText, newIdempotencyKey, parseRepos, problemsByItem, progressOf, readTaskFile } from './batch-logic';

const vars: TemplateVariable[] = [
  { name: 'repo', type: 'repo' },
  { name: 'issue', type: 'number', required: true },
  { name: 'draft', type: 'boolean' },
  { name: 'note', type: 'string' },
];

const request = { prompt: 'p', title: null, source: null, startingBranch: null, requirePlanApproval: true, autoCreatePr: true };
const item = (over: Partial<BatchItem>): BatchItem => ({ index: 0, row: null, label: 'acme/api', intentId: 'i1', state: 'queued', request, sessionId: null, error: null, position: null, eta: null, waitingFor: null, ...over });

describe('batch body', () => {
  it('reads repositories one per line, commas and spaces too, each once', () => {
    expect(parseRepos(' acme/api\nacme/web, acme/api\n\n  github/acme/cli ')).toEqual(['acme/api', 'acme/web', 'github/acme/cli']);
    expect(parseRepos('   ')).toEqual([]);
  });

  it('types template values by their variable and leaves blanks to the defaults', () => {
    expect(coerceValues(vars, { issue: ' 42 ', draft: 'false', note: '', repo: 'acme/api', other: 'x' })).toEqual({ issue: 42, draft: false, repo: 'acme/api', other: 'x' });
    // Text a number variable cannot take goes as typed: the server's preview names the problem.
    expect(coerceValues(vars, { issue: 'forty' })).toEqual({ issue: 'forty' });
  });

  it('builds each kind of input, and the one idempotency key', () => {
    const prompt = batchBody({ ...emptyForm('prompt'), prompt: 'Bump lodash', repos: 'acme/api\nacme/web', branch: ' main ' }, [], 'k1');
    expect(prompt).toEqual({
      name: undefined,
      accountId: undefined,
      idempotencyKey: 'k1',
      input: { kind: 'prompt', prompt: 'Bump lodash', title: undefined, sources: ['acme/api', 'acme/web'], branch: 'main', requirePlanApproval: true, autoCreatePr: true },
    });
    const tpl = batchBody({ ...emptyForm('template', 't1'), values: { issue: '7' } }, vars);
    expect(tpl.input).toEqual({ kind: 'template', templateId: 't1', values: { issue: 7 } });
    const tasks = batchBody({ ...emptyForm('tasks'), format: 'csv', text: 'prompt\nA', source: 'acme/api', templateId: '' }, vars);
    expect(tasks.input).toEqual({ kind: 'tasks', format: 'csv', text: 'prompt\nA', source: 'acme/api', branch: undefined, requirePlanApproval: true, autoCreatePr: true });
    const key = newIdempotencyKey(() => 'abc');
    expect(key).toBe('dashboard-abc');
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });

  it('checks the body with the contract and names the field in plain words', () => {
    const noRepo = checkBody(batchBody({ ...emptyForm('prompt'), prompt: 'x' }, []));
    expect(noRepo).toEqual({ ok: false, errors: { repos: 'Add at least one repository (owner/repo, one per line)' } });
    const badRepo = checkBody(batchBody({ ...emptyForm('prompt'), prompt: 'x', repos: 'acme/api\nbad!repo' }, []));
    expect(badRepo.ok).toBe(false);
    if (!badRepo.ok) expect(badRepo.errors.repos).toMatch(/^bad!repo: must be a GitHub repository/);
    const noTemplate = checkBody(batchBody(emptyForm('template'), []));
    expect(noTemplate).toEqual({ ok: false, errors: { templateId: 'Choose a template' } });
    expect(checkBody(batchBody({ ...emptyForm('tasks'), text: 'one\ntwo', source: 'acme/api' }, [])).ok).toBe(true);
  });

  it('maps server issue paths to the form fields', () => {
    expect(fieldOfPath('body.input.sources.2')).toBe('repos');
    expect(fieldOfPath('body.input.prompt')).toBe('prompt');
    expect(fieldOfPath('body.input.values.issue')).toBe('values.issue');
    expect(fieldOfPath('body.values.issue')).toBe('values.issue');
    expect(fieldOfPath('body.input.sources')).toBe('repos');
    expect(fieldOfPath('body.idempotencyKey')).toBe('idempotencyKey');
    expect(fieldOfPath('body.input.text')).toBe('text');
    expect(fieldOfPath('body')).toBe('form');
    // The server's bracket indexes, and its messages that already name the repository.
    expect(fieldOfPath('body.input.sources[1]')).toBe('repos');
    const body = batchBody({ ...emptyForm('prompt'), prompt: 'x', repos: 'acme/api\nbad!' }, []);
    expect(fieldErrors([{ path: 'body.input.sources[1]', message: '"bad!" is not a GitHub repository (owner/repo)' }], body)).toEqual({ repos: '"bad!" is not a GitHub repository (owner/repo)' });
    expect(fieldErrors([{ path: 'body.input.sources[1]', message: 'not reachable' }], body)).toEqual({ repos: 'bad!: not reachable' });
    expect(fieldErrors([{ path: 'body.input.text', message: 'row 3: no prompt' }, { path: 'body.input.text', message: 'second' }])).toEqual({ text: 'row 3: no prompt' });
  });
});

describe('preview problems', () => {
  it('groups problems by item, with rows, and keeps batch-wide ones apart', () => {
    const p: BatchPreview = {
      items: [
        { index: 0, row: 2, label: 'a', request, problems: [] },
        { index: 1, row: 3, label: 'b', request, problems: [{ variable: 'issue', message: 'required' }] },
      ],
      skipped: [],
      problems: [
        { item: 1, row: 3, path: 'input.text', message: 'issue: required' },
        { item: 0, row: 2, path: 'input.text', message: 'no repository' },
        { item: 5, row: 7, path: 'input.text', message: 'row 7: has 3 fields, the header has 2' },
        { item: null, row: null, path: 'accountId', message: 'choose an account' },
      ],
      accountId: null,
    };
    const m = problemsByItem(p);
    expect(m.get(1)).toEqual(['issue: required']);
    expect(m.get(0)).toEqual(['row 2: no repository']);
    expect(m.get(-1)).toEqual(['row 7: has 3 fields, the header has 2', 'choose an account']);
    expect(m.get(5)).toBeUndefined();
  });
});

describe('progress', () => {
  it('counts created against the total, failed beside it, and says so', () => {
    const p = progressOf({ total: 3, queued: 1, dispatching: 0, created: 1, failed: 1, cancelled: 0 });
    expect(p).toMatchObject({ createdPct: 33, failedPct: 33, settled: false, label: '1 / 3 created, 1 failed, 1 queued' });
    expect(progressOf({ total: 3, queued: 0, dispatching: 0, created: 3, failed: 0, cancelled: 0 })).toMatchObject({ createdPct: 100, failedPct: 0, settled: true, label: '3 / 3 created' });
    expect(progressOf({ total: 0, queued: 0, dispatching: 0, created: 0, failed: 0, cancelled: 0 }).createdPct).toBe(0);
    // Rounding never makes the two parts of the bar more than the whole.
    const odd = progressOf({ total: 3, queued: 0, dispatching: 0, created: 2, failed: 1, cancelled: 0 });
    expect(odd.createdPct + odd.failedPct).toBeLessThanOrEqual(100);
  });

  it('says each item state, a queued one with its place in line and ETA', () => {
    expect(itemText(item({ position: 2, eta: '2026-12-02T14:05:00.000Z' }))).toBe('#2 in line, waiting to be sent, sent about 14:05 UTC');
    expect(itemText(item({ state: 'failed', error: 'Could not get source' }))).toBe('failed: Could not get source');
    expect(itemText(item({ state: 'dispatching' }))).toBe('being sent to Jules');
    expect(itemText(item({ state: 'created', sessionId: 's1' }))).toBe('created');
  });

  it('applies a progress event to its own batch only', () => {
    const b = { id: 'b1', state: 'running' as const, counts: { total: 2, queued: 2, dispatching: 0, created: 0, failed: 0, cancelled: 0 }, name: 'x' };
    const e = { id: 'b1', state: 'done' as const, total: 2, queued: 0, dispatching: 0, created: 2, failed: 0, cancelled: 0 };
    expect(applyProgress(b, e)).toEqual({ ...b, state: 'done', counts: { total: 2, queued: 0, dispatching: 0, created: 2, failed: 0, cancelled: 0 } });
    expect(applyProgress(b, { ...e, id: 'other' })).toBe(b);
  });
});

describe('batches list cache', () => {
  it('moves the counts of the batch in every cached list page, and nothing else', () => {
    const counts = { total: 3, queued: 3, dispatching: 0, created: 0, failed: 0, cancelled: 0 };
    const summary = (id: string): BatchSummary => ({ id, name: id, state: 'running', accountId: 'a', origin: { kind: 'api', id: null }, templateId: null, idempotencyKey: null, counts, createdAt: 't', updatedAt: 't' });
    const qc = new QueryClient();
    const data = (ids: string[]): InfiniteData<BatchListPage> => ({ pages: [{ items: ids.map(summary), nextCursor: null }], pageParams: [''] });
    qc.setQueryData(['batches', 'list', 'all'], data(['b1', 'b2']));
    qc.setQueryData(['batches', 'list', 'running'], data(['b1']));
    const next = { ...counts, queued: 0, created: 3 };
    patchBatchLists(qc, { id: 'b1', state: 'done', counts: next });
    const all = qc.getQueryData<InfiniteData<BatchListPage>>(['batches', 'list', 'all'])!.pages[0].items;
    expect(all.map((b) => [b.id, b.state, b.counts.created])).toEqual([['b1', 'done', 3], ['b2', 'running', 0]]);
    expect(qc.getQueryData<InfiniteData<BatchListPage>>(['batches', 'list', 'running'])!.pages[0].items[0].counts).toEqual(next);
  });
});

describe('CSV upload', () => {
  it('reads the text without its BOM', async () => {
    const r = await readTaskFile(Object.assign(new Blob(['\uFEFFprompt,source\n"Fix, it",acme/api\n']), { name: 'tasks.csv' }));
    expect(r).toEqual({ text: 'prompt,source\n"Fix, it",acme/api\n' });
  });

  it('refuses binary, empty and too large files, naming the file', async () => {
    expect(await readTaskFile(Object.assign(new Blob([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00])]), { name: 'tasks.xlsx' }))).toEqual({ error: 'tasks.xlsx is not a text file (CSV expected)' });
    expect(await readTaskFile(Object.assign(new Blob(['  \n']), { name: 'e.csv' }))).toEqual({ error: 'e.csv is empty' });
    const big = await readTaskFile(Object.assign(new Blob(['x'.repeat(1_000_001)]), { name: 'big.csv' }));
    expect(big).toEqual({ error: 'big.csv is too large: 1,000,001 characters, at most 1,000,000' });
  });
});

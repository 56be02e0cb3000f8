import { describe, expect, it } from 'vitest';
import type { CiRun, PullRequest } from '@autopilot/contracts';
import { issuesToFields } from './form';
import { absoluteUrl, checksBadge, ciFilterFrom, ciQueryOf, ciSearchOf, latestRuns, mergeBadge, padDays, percent, prStateBadge, pullsBySession, runBadge, runDuration, runPhase, shortSha } from './logic';

const pr = (over: Partial<PullRequest>): PullRequest => ({
  id: 'p1', repo: 'acme/shop', number: 7, title: 'Fix', htmlUrl: 'https://github.com/acme/shop/pull/7', headRef: 'fix', headSha: 'abcdef0123456', baseRef: 'main',
  author: null, state: 'open', draft: false, mergeable: true, mergeableState: 'clean', checks: 'none', reviewDecision: 'none', labels: [], sessionId: 's1',
  linkedBy: 'output', mergedAt: null, closedAt: null, updatedAt: '2026-12-02T10:00:00.000Z', syncedAt: '2026-12-02T10:00:00.000Z', ...over,
});
const run = (over: Partial<CiRun>): CiRun => ({
  id: 'r1', repo: 'acme/shop', checkRunId: 1, name: 'test', headSha: 'abc', prNumber: 7, sessionId: 's1', status: 'completed', conclusion: 'success',
  startedAt: '2026-12-02T10:00:00.000Z', completedAt: '2026-12-02T10:01:00.000Z', durationMs: 60_000, htmlUrl: null, ...over,
});

describe('PR badges', () => {
  it('says open, draft, merged and closed', () => {
    expect(prStateBadge(pr({})).label).toBe('open');
    expect(prStateBadge(pr({ draft: true })).label).toBe('draft');
    expect(prStateBadge(pr({ state: 'merged', draft: true })).label).toBe('merged');
    expect(prStateBadge(pr({ state: 'closed' })).tone).toBe('muted');
  });
  it('colours checks by their combined state', () => {
    expect(checksBadge('pending').tone).toBe('warn');
    expect(checksBadge('failure').tone).toBe('bad');
    expect(checksBadge('success').tone).toBe('ok');
    expect(checksBadge('none').label).toBe('no checks');
  });
  it('reads mergeability: conflict wins, clean, blocked, computing; none once merged', () => {
    expect(mergeBadge(pr({ mergeableState: 'dirty', mergeable: false }))?.label).toBe('conflict');
    expect(mergeBadge(pr({ mergeableState: 'unknown', mergeable: false }))?.label).toBe('conflict');
    expect(mergeBadge(pr({}))?.label).toBe('clean');
    expect(mergeBadge(pr({ mergeableState: 'blocked' }))?.label).toBe('blocked');
    expect(mergeBadge(pr({ mergeableState: null, mergeable: null }))?.label).toBe('checking');
    expect(mergeBadge(pr({ state: 'merged' }))).toBeNull();
  });
});

describe('check runs', () => {
  it('phases: running until completed with a conclusion; failure-like conclusions fail', () => {
    expect(runPhase(run({ status: 'in_progress', conclusion: null }))).toBe('pending');
    expect(runPhase(run({ status: 'queued', conclusion: null }))).toBe('pending');
    expect(runPhase(run({}))).toBe('passed');
    for (const c of ['failure', 'timed_out', 'cancelled', 'action_required'] as const) expect(runPhase(run({ conclusion: c }))).toBe('failed');
    expect(runPhase(run({ conclusion: 'skipped' }))).toBe('neutral');
    expect(runBadge(run({ conclusion: 'timed_out' })).label).toBe('timed out');
    expect(runBadge(run({ status: 'queued', conclusion: null })).label).toBe('queued');
  });
  it('keeps the newest run per check name, running first then failed', () => {
    const out = latestRuns([
      run({ id: 'a', name: 'lint', conclusion: 'success' }),
      run({ id: 'b', name: 'test', conclusion: 'failure', startedAt: '2026-12-02T10:00:00.000Z' }),
      run({ id: 'c', name: 'test', status: 'in_progress', conclusion: null, startedAt: '2026-12-02T10:05:00.000Z' }),
      run({ id: 'd', name: 'build', conclusion: 'failure' }),
    ]);
    expect(out.map((r) => r.id)).toEqual(['c', 'd', 'a']);
  });
  it('formats durations, SHAs and rates', () => {
    expect(runDuration(null)).toBe('—');
    expect(runDuration(850)).toBe('850 ms');
    expect(runDuration(42_000)).toBe('42 s');
    expect(runDuration(185_000)).toBe('3 min 5 s');
    expect(runDuration(120_000)).toBe('2 min');
    expect(runDuration(3_720_000)).toBe('1 h 2 min');
    expect(shortSha('abcdef0123456')).toBe('abcdef0');
    expect(percent(null)).toBe('—');
    expect(percent(0.666)).toBe('67%');
  });
});

describe('CI filters in the URL', () => {
  it('round-trips and drops malformed values', () => {
    const f = ciFilterFrom(new URLSearchParams('repo=acme/shop&pr=12&sessionId=s9&conclusion=failure'));
    expect(f).toEqual({ repo: 'acme/shop', pr: '12', sessionId: 's9', conclusion: 'failure' });
    expect(ciQueryOf(f)).toEqual({ repo: 'acme/shop', pr: 12, sessionId: 's9', conclusion: 'failure' });
    expect(ciSearchOf(f)).toBe('?repo=acme%2Fshop&pr=12&sessionId=s9&conclusion=failure');
    const bad = ciFilterFrom(new URLSearchParams('repo=nope&pr=-1&conclusion=exploded'));
    expect(bad).toEqual({ repo: '', pr: '', sessionId: '', conclusion: '' });
    expect(ciSearchOf(bad)).toBe('');
    expect(ciQueryOf(bad)).toEqual({});
  });
});

describe('board join', () => {
  it('one PR per session: the open one over a closed one, else the newest', () => {
    const m = pullsBySession([
      pr({ id: 'closed', state: 'closed', updatedAt: '2026-12-02T12:00:00.000Z' }),
      pr({ id: 'open', state: 'open', updatedAt: '2026-12-02T09:00:00.000Z' }),
      pr({ id: 'other', sessionId: 's2' }),
      pr({ id: 'unlinked', sessionId: null }),
    ]);
    expect(m.get('s1')?.id).toBe('open');
    expect(m.get('s2')?.id).toBe('other');
    expect(m.size).toBe(2);
  });
});

describe('field errors', () => {
  it('maps zod paths and server paths to dotted fields, first message wins', () => {
    expect(issuesToFields([{ path: ['ciFix', 'maxPerPr'], message: 'too big' }, { path: ['ciFix', 'maxPerPr'], message: 'second' }])).toEqual({ 'ciFix.maxPerPr': 'too big' });
    expect(issuesToFields([{ path: 'body.optOutLabel', message: 'empty' }, { path: [], message: 'whole' }])).toEqual({ optOutLabel: 'empty', form: 'whole' });
  });
});

describe('chart days and webhook URL', () => {
  it('pads to 14 days ending today, zeros where nothing ran, keeping earlier days with runs', () => {
    const d = padDays([{ day: '2026-12-02', passed: 3, failed: 1 }], '2026-12-02');
    expect(d).toHaveLength(14);
    expect(d[0]).toEqual({ day: '2026-11-19', passed: 0, failed: 0 });
    expect(d.at(-1)).toEqual({ day: '2026-12-02', passed: 3, failed: 1 });
    const long = padDays([{ day: '2026-11-01', passed: 1, failed: 0 }], '2026-12-02');
    expect(long[0].day).toBe('2026-11-01');
    expect(long).toHaveLength(32);
  });
  it('makes a path absolute on the dashboard origin, keeps absolute URLs', () => {
    expect(absoluteUrl('/hooks/github/ws1', 'https://ap.example.com/')).toBe('https://ap.example.com/hooks/github/ws1');
    expect(absoluteUrl('https://x.example/hooks/github/ws1', 'https://ap.example.com')).toBe('https://x.example/hooks/github/ws1');
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_KEEPER_SETTINGS, type KeeperSettings } from '@autopilot/contracts';
import { decide, gate, MAX_ATTEMPTS, RETRY_AFTER_MS, riskyWord } from './keeper.decide';
import type { HistoryEntry, KeeperActivity, KeeperSession } from './keeper.types';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const MIN = 60_000;
const S = (o: Partial<KeeperSession> = {}): KeeperSession => ({
  id: 's1', state: 'IN_PROGRESS', archived: false, deleted: false, paused: false, prompt: 'Fix the login bug', title: 'Fix login',
  source: 'sources/github/acme/api', prUrl: null, hasOutputs: false, createTimeMs: T0, updateTimeMs: T0, lastActivityAtMs: T0, activityCount: 1, ...o,
});
const A = (id: string, kind: string, at: number, o: Partial<KeeperActivity> = {}): KeeperActivity => ({
  id, kind, originator: kind === 'userMessaged' ? 'user' : kind === 'planApproved' ? 'system' : 'agent', createTimeMs: at, text: null, ...o,
});
const H = (kind: HistoryEntry['kind'], trigger: string, o: Partial<HistoryEntry> = {}): HistoryEntry => ({
  kind, trigger, status: 'sent', attempts: 1, createdAtMs: T0, settledAtMs: T0, ...o,
});
const settings = (patch: (s: KeeperSettings) => void = () => {}): KeeperSettings => {
  const s = structuredClone(DEFAULT_KEEPER_SETTINGS);
  patch(s);
  return s;
};
const plan = (n: number, extra = '') => Array.from({ length: n }, (_, i) => ({ title: `Step ${i + 1}`, description: i === 0 ? extra : 'Edit src/app.ts' }));
const planAct = (steps = plan(3)) => [A('p1', 'planGenerated', T0, { plan: steps })];
const stallAt = DEFAULT_KEEPER_SETTINGS.stall.thresholds.IN_PROGRESS;
const quietActs = [A('a1', 'progressUpdated', T0, { text: 'Edit the handler' })];

type Row = [name: string, session: KeeperSession, acts: KeeperActivity[], st: KeeperSettings, history: HistoryEntry[], now: number, expected: string, trigger?: string];

const nevers: Row[] = [
  ['disabled keeper', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings((s) => (s.enabled = false)), [], T0, 'none'],
  ['archived approval', S({ state: 'AWAITING_PLAN_APPROVAL', archived: true }), planAct(), settings(), [], T0, 'none'],
  ['archived question', S({ state: 'AWAITING_USER_FEEDBACK', archived: true }), [A('q', 'agentMessaged', T0, { text: 'Which?' })], settings(), [], T0, 'none'],
  ['archived stall', S({ archived: true }), quietActs, settings(), [], T0 + stallAt + 1, 'none'],
  ['deleted', S({ state: 'AWAITING_PLAN_APPROVAL', deleted: true }), planAct(), settings(), [], T0, 'none'],
  ['paused approval', S({ state: 'AWAITING_PLAN_APPROVAL', paused: true }), planAct(), settings(), [], T0, 'none'],
  ['paused question', S({ state: 'AWAITING_USER_FEEDBACK', paused: true }), [A('q', 'agentMessaged', T0, { text: 'Which?' })], settings(), [], T0, 'none'],
  ['paused stall', S({ paused: true }), quietActs, settings(), [], T0 + stallAt + 1, 'none'],
  ['paused failed with self-heal', S({ state: 'FAILED', paused: true }), [A('f', 'sessionFailed', T0)], settings((s) => (s.selfHeal.enabled = true)), [], T0, 'none'],
  ['completed (auto-continue off)', S({ state: 'COMPLETED' }), [A('c', 'sessionCompleted', T0)], settings(), [], T0 + 10 * stallAt, 'none'],
  ['completed, archived, auto-continue on', S({ state: 'COMPLETED', archived: true }), [A('c', 'sessionCompleted', T0)], settings((s) => (s.autoContinue.enabled = true)), [], T0, 'none'],
  ['completed, auto-continue cap reached', S({ state: 'COMPLETED' }), [A('c2', 'sessionCompleted', T0)], settings((s) => (s.autoContinue.enabled = true)), [H('continue', 'completed:c1')], T0, 'none'],
  ['upstream PAUSED', S({ state: 'PAUSED' }), quietActs, settings(), [], T0 + 100 * stallAt, 'none'],
  ['unknown state', S({ state: 'SOMETHING_NEW' }), quietActs, settings(), [], T0 + 100 * stallAt, 'none'],
  ['failed without self-heal', S({ state: 'FAILED' }), [A('f', 'sessionFailed', T0, { text: 'boom' })], settings(), [], T0, 'none'],
  ['an action in flight', S({ state: 'AWAITING_USER_FEEDBACK' }), [A('q', 'agentMessaged', T0)], settings(), [H('nudge', 'quiet:x#1', { status: 'pending' })], T0, 'none'],
];

const approvals: Row[] = [
  ['plan not mirrored yet', S({ state: 'AWAITING_PLAN_APPROVAL' }), [], settings(), [], T0, 'none'],
  ['safe plan by rules', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings(), [], T0, 'approve', 'plan:p1'],
  ['policy always approves a risky plan', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(40, 'drop table users')), settings((s) => (s.approval.policy = 'always')), [], T0, 'approve'],
  ['policy never holds a safe plan', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings((s) => (s.approval.policy = 'never')), [], T0, 'hold', 'plan:p1'],
  ['steps exactly at max approve', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(12)), settings(), [], T0, 'approve'],
  ['one step over max holds', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(13)), settings(), [], T0, 'hold'],
  ...['delete', 'drop', 'migration', 'secret', 'credentials', 'force push'].map(
    (w): Row => [`"${w}" holds`, S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(3, `We will ${w.toUpperCase()} things`)), settings(), [], T0, 'hold'],
  ),
  ['a path as a hold word', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(3, 'edit db/migrations/001.sql')), settings((s) => (s.approval.holdWords = ['db/migrations/'])), [], T0, 'hold'],
  ['per-source never overrides rules', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings((s) => (s.approval.perSource = [{ source: 'github/acme/api', policy: 'never' }])), [], T0, 'hold'],
  ['per-source always on another repo does not apply', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(3, 'drop it')), settings((s) => (s.approval.perSource = [{ source: 'sources/github/acme/web', policy: 'always' }])), [], T0, 'hold'],
  ['per-source maxSteps', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(4)), settings((s) => (s.approval.perSource = [{ source: 'sources/github/acme/api', policy: 'rules', maxSteps: 3 }])), [], T0, 'hold'],
  ['already approved in the mirror', S({ state: 'AWAITING_PLAN_APPROVAL' }), [...planAct(), A('ap', 'planApproved', T0 + 1)], settings(), [], T0, 'none'],
  ['approval already sent', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings(), [H('approve', 'plan:p1')], T0, 'none'],
  ['hold already recorded', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(3, 'drop')), settings(), [H('hold', 'plan:p1', { status: 'recorded' })], T0, 'none'],
  ['a new plan after an approved one', S({ state: 'AWAITING_PLAN_APPROVAL' }), [...planAct(), A('ap', 'planApproved', T0 + 1), A('p2', 'planGenerated', T0 + 2, { plan: plan(2) })], settings(), [H('approve', 'plan:p1')], T0, 'approve', 'plan:p2'],
];

const failedApprove = (o: Partial<HistoryEntry>) => [H('approve', 'plan:p1', { status: 'failed', settledAtMs: T0, ...o })];
const retries: Row[] = [
  ['failed approval, retry one ms early', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings(), failedApprove({}), T0 + RETRY_AFTER_MS - 1, 'none'],
  ['failed approval, retry exactly on time', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings(), failedApprove({}), T0 + RETRY_AFTER_MS, 'approve', 'plan:p1'],
  ['failed approval, attempts exhausted', S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(), settings(), failedApprove({ attempts: MAX_ATTEMPTS }), T0 + 10 * RETRY_AFTER_MS, 'none'],
];

const q = (text = 'Should I keep the old API?') => [A('q1', 'agentMessaged', T0, { text })];
const questions: Row[] = [
  ['a question is answered', S({ state: 'AWAITING_USER_FEEDBACK' }), q(), settings(), [], T0, 'answer', 'question:q1'],
  ['answers disabled', S({ state: 'AWAITING_USER_FEEDBACK' }), q(), settings((s) => (s.answers.enabled = false)), [], T0, 'none'],
  ['question not mirrored yet', S({ state: 'AWAITING_USER_FEEDBACK' }), [], settings(), [], T0, 'none'],
  ['already answered upstream', S({ state: 'AWAITING_USER_FEEDBACK' }), [...q(), A('u1', 'userMessaged', T0 + 5)], settings(), [], T0, 'none'],
  ['already answered by us', S({ state: 'AWAITING_USER_FEEDBACK' }), q(), settings(), [H('answer', 'question:q1')], T0, 'none'],
  ['answer cap one below', S({ state: 'AWAITING_USER_FEEDBACK' }), q(), settings((s) => (s.answers.maxPerSession = 2)), [H('answer', 'question:q0')], T0, 'answer'],
  ['answer cap reached escalates', S({ state: 'AWAITING_USER_FEEDBACK' }), q(), settings((s) => (s.answers.maxPerSession = 1)), [H('answer', 'question:q0')], T0, 'escalate', 'question:q1'],
  ['answer cap escalation only once', S({ state: 'AWAITING_USER_FEEDBACK' }), q(), settings((s) => (s.answers.maxPerSession = 1)), [H('answer', 'question:q0'), H('escalate', 'question:q1', { status: 'recorded' })], T0, 'none'],
];

const nudgeSent = (at: number, trigger = 'quiet:a1#1') => H('nudge', trigger, { createdAtMs: at, settledAtMs: at });
const cooldown = DEFAULT_KEEPER_SETTINGS.stall.cooldownMs;
const stalls: Row[] = [
  ['quiet exactly at threshold', S(), quietActs, settings(), [], T0 + stallAt, 'none'],
  ['quiet one ms before threshold', S(), quietActs, settings(), [], T0 + stallAt - 1, 'none'],
  ['quiet one ms past threshold', S(), quietActs, settings(), [], T0 + stallAt + 1, 'nudge', 'quiet:a1#1'],
  ['PLANNING uses its own threshold', S({ state: 'PLANNING' }), quietActs, settings((s) => (s.stall.thresholds.PLANNING = 1000)), [], T0 + 1001, 'nudge'],
  ['QUEUED below its threshold', S({ state: 'QUEUED' }), quietActs, settings(), [], T0 + stallAt + 1, 'none'],
  ['stall nudges disabled', S(), quietActs, settings((s) => (s.stall.enabled = false)), [], T0 + stallAt + 1, 'none'],
  ['updateTime counts as activity', S({ updateTimeMs: T0 + MIN }), quietActs, settings(), [], T0 + stallAt + 1, 'none'],
  ['cooldown one ms short', S(), quietActs, settings(), [nudgeSent(T0 + stallAt + 1)], T0 + stallAt + 1 + cooldown - 1, 'none'],
  ['cooldown exactly over', S(), quietActs, settings(), [nudgeSent(T0 + stallAt + 1)], T0 + stallAt + 1 + cooldown, 'nudge', 'quiet:a1#2'],
  ['a failed nudge does not count to the cap', S(), quietActs, settings((s) => (s.stall.maxNudges = 1)), [H('nudge', 'quiet:a1#1', { status: 'failed', settledAtMs: T0 })], T0 + stallAt + RETRY_AFTER_MS, 'nudge', 'quiet:a1#1'],
  ['cap one below', S(), quietActs, settings((s) => (s.stall.maxNudges = 2)), [nudgeSent(T0)], T0 + cooldown + stallAt + 1, 'nudge'],
  ['cap reached escalates', S(), quietActs, settings((s) => (s.stall.maxNudges = 2)), [nudgeSent(T0), nudgeSent(T0, 'quiet:x#1')], T0 + cooldown + stallAt + 1, 'escalate', 'stall:a1'],
  ['escalation only once per quiet spell', S(), quietActs, settings((s) => (s.stall.maxNudges = 1)), [nudgeSent(T0), H('escalate', 'stall:a1', { status: 'recorded' })], T0 + 10 * stallAt, 'none'],
  ['cap zero escalates right away', S(), quietActs, settings((s) => (s.stall.maxNudges = 0)), [], T0 + stallAt + 1, 'escalate'],
];

const doneText = [A('a1', 'progressUpdated', T0, { text: 'Published the changes' })];
const quietMs = DEFAULT_KEEPER_SETTINGS.stuck.quietMs;
const stuck: Row[] = [
  ['PR output, quiet one ms short', S({ prUrl: 'https://github.com/acme/api/pull/1' }), quietActs, settings(), [], T0 + quietMs - 1, 'none'],
  ['PR output, quiet exactly enough', S({ prUrl: 'https://github.com/acme/api/pull/1' }), quietActs, settings(), [], T0 + quietMs, 'stuck', 'done:a1'],
  ['agent said it finished', S(), doneText, settings(), [], T0 + quietMs, 'stuck'],
  ['change set output', S({ hasOutputs: true }), quietActs, settings(), [], T0 + quietMs, 'stuck'],
  ['stuck is never nudged, even past the stall threshold', S({ prUrl: 'https://x/pull/1' }), quietActs, settings(), [H('stuck', 'done:a1', { status: 'recorded' })], T0 + 50 * stallAt, 'none'],
  ['marked since the last activity, even under another trigger', S({ prUrl: 'https://x/pull/1' }), quietActs, settings(), [H('stuck', 'done:a0', { status: 'recorded', createdAtMs: T0 + 1 })], T0 + quietMs, 'none'],
  ['a mark older than the last activity is renewed', S({ prUrl: 'https://x/pull/1' }), quietActs, settings(), [H('stuck', 'done:a0', { status: 'recorded', createdAtMs: T0 - 1 })], T0 + quietMs, 'stuck', 'done:a1'],
  ['stuck detection off falls back to nudges', S({ hasOutputs: true }), quietActs, settings((s) => (s.stuck.enabled = false)), [], T0 + stallAt + 1, 'nudge'],
  ['PLANNING with text "finished" is not stuck', S({ state: 'PLANNING' }), doneText, settings(), [], T0 + quietMs, 'none'],
];

const heal = settings((s) => { s.selfHeal.enabled = true; s.selfHeal.maxAttempts = 2; });
const failed: Row[] = [
  ['self-heal quotes the failure', S({ state: 'FAILED' }), [A('f1', 'sessionFailed', T0, { text: 'tests failed' })], heal, [], T0, 'heal', 'failed:f1'],
  ['self-heal without a mirrored reason', S({ state: 'FAILED', updateTimeMs: T0 + 7 }), [], heal, [], T0, 'heal', `failed@${T0 + 7}`],
  ['self-heal once per failure', S({ state: 'FAILED' }), [A('f1', 'sessionFailed', T0)], heal, [H('heal', 'failed:f1')], T0, 'none'],
  ['self-heal one below the cap', S({ state: 'FAILED' }), [A('f2', 'sessionFailed', T0)], heal, [H('heal', 'failed:f1', { createdAtMs: T0 - MIN })], T0, 'heal', 'failed:f2'],
  ['a heal after the failure covers it under another trigger', S({ state: 'FAILED' }), [A('f1', 'sessionFailed', T0)], heal, [H('heal', `failed@${T0}`, { createdAtMs: T0 + 5 })], T0 + 10, 'none'],
  ['self-heal cap reached escalates', S({ state: 'FAILED' }), [A('f3', 'sessionFailed', T0)], heal, [H('heal', 'failed:f1', { createdAtMs: T0 - MIN }), H('heal', 'failed:f2', { createdAtMs: T0 - MIN })], T0, 'escalate', 'failed:f3'],
  ['auto-continue on a completed session', S({ state: 'COMPLETED' }), [A('c1', 'sessionCompleted', T0)], settings((s) => (s.autoContinue.enabled = true)), [], T0, 'continue', 'completed:c1'],
  ['auto-continue once per completion', S({ state: 'COMPLETED' }), [A('c1', 'sessionCompleted', T0)], settings((s) => { s.autoContinue.enabled = true; s.autoContinue.maxPerSession = 5; }), [H('continue', 'completed:c1')], T0, 'none'],
];

describe('decide', () => {
  for (const [group, rows] of Object.entries({ nevers, approvals, retries, questions, stalls, stuck, failed })) {
    describe(group, () => {
      it.each(rows)('%s', (_name, session, acts, st, history, now, expected, trigger) => {
        const d = decide(session, acts, st, history, now);
        expect(d.action, d.reason).toBe(expected);
        expect(d.reason.length).toBeGreaterThan(0);
        if (trigger && d.action !== 'none') expect(d.trigger).toBe(trigger);
      });
    });
  }

  it('messages carry a brief for the supervisor and holds carry a notification', () => {
    const a = decide(S({ state: 'AWAITING_USER_FEEDBACK' }), q('Keep v1?'), settings(), [], T0);
    expect(a.action === 'answer' && a.brief).toEqual({ purpose: 'answer', cue: 'Keep v1?' });
    const h = decide(S({ state: 'AWAITING_PLAN_APPROVAL' }), planAct(plan(3, 'rotate the secret')), settings(), [], T0);
    expect(h.action === 'hold' && h.notify?.kind).toBe('plan_held');
    expect(h.reason).toContain('secret');
  });

  it('gate and riskyWord edges', () => {
    expect(gate([], 'nudge', 'x', T0)).toEqual({ ok: true });
    expect(gate([H('nudge', 'x', { status: 'abandoned' })], 'nudge', 'x', T0).ok).toBe(false);
    expect(riskyWord([{ title: 'Dropping the cache' }], ['drop'])).toBe('drop');
    expect(riskyWord([{ title: 'Add a backdrop' }], ['drop'])).toBeUndefined();
  });
});

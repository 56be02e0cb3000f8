import { describe, expect, it } from 'vitest';
import { resolutionOf } from './keeper.resolve';
import { anchorOf, matchKeeperMessages } from './keeper.service';

const s = (state: string, extra: Partial<{ archived: boolean; deleted: boolean; activityCount: number; prUrl: string | null }> = {}) => ({
  state, archived: false, deleted: false, activityCount: 5, prUrl: null, ...extra,
});

describe('resolutionOf: when a notification has cleared', () => {
  const table: Array<[string, string, ReturnType<typeof s> | undefined, RegExp | null]> = [
    ['plan_held', 'AWAITING_PLAN_APPROVAL', s('AWAITING_PLAN_APPROVAL', { activityCount: 9 }), null],
    ['plan_held', 'AWAITING_PLAN_APPROVAL', s('IN_PROGRESS'), /plan was approved/],
    ['plan_held', 'AWAITING_PLAN_APPROVAL', s('FAILED'), /moved on \(it is FAILED\)/],
    ['question_escalated', 'AWAITING_USER_FEEDBACK', s('AWAITING_USER_FEEDBACK'), null],
    ['question_escalated', 'AWAITING_USER_FEEDBACK', s('AWAITING_USER_FEEDBACK', { activityCount: 6 }), /new activity/],
    ['question_escalated', 'AWAITING_USER_FEEDBACK', s('IN_PROGRESS'), /answered/],
    ['session_stuck', 'IN_PROGRESS', s('IN_PROGRESS'), null],
    ['session_stuck', 'IN_PROGRESS', s('IN_PROGRESS', { activityCount: 6 }), /new activity/],
    ['session_stuck', 'IN_PROGRESS', s('COMPLETED'), /moved on/],
    ['stall_escalated', 'PLANNING', s('PLANNING'), null],
    ['stall_escalated', 'PLANNING', s('IN_PROGRESS'), /moved on/],
    ['session_paused', 'PAUSED', s('PAUSED', { activityCount: 8 }), null],
    ['session_paused', 'PAUSED', s('IN_PROGRESS'), /resumed/],
    ['completed_without_pr', 'COMPLETED', s('COMPLETED', { activityCount: 8 }), null],
    ['completed_without_pr', 'COMPLETED', s('COMPLETED', { prUrl: 'https://github.com/a/b/pull/1' }), /pull request was opened/],
    ['heal_exhausted', 'FAILED', s('FAILED', { activityCount: 7 }), null],
    ['heal_exhausted', 'FAILED', s('FAILED', { archived: true }), /archived/],
    ['session_recovered', 'FAILED', undefined, /no longer exists/],
    ['no_progress_after_reply', 'AWAITING_USER_FEEDBACK', s('AWAITING_USER_FEEDBACK', { deleted: true }), /no longer exists/],
  ];
  it.each(table)('%s raised in %s -> %j', (kind, causeState, session, want) => {
    const got = resolutionOf({ kind, cause_state: causeState, cause_activities: 5 }, session);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });
  it('rows raised before the cause was kept use the state their kind is about', () => {
    expect(resolutionOf({ kind: 'plan_held' }, s('AWAITING_PLAN_APPROVAL', { activityCount: 50 }))).toBeNull();
    expect(resolutionOf({ kind: 'plan_held' }, s('IN_PROGRESS'))).toMatch(/approved/);
  });
});

describe("matchKeeperMessages: the keeper's messages among the activities", () => {
  const act = (id: string, kind: string, text: string | null, t: number) => ({ id, kind, text, createTimeMs: t });
  const row = (id: string, trigger: string, message: string, at: number, kind = 'answer', status = 'sent') => ({ id, kind, status, message, created_at: at, trigger });
  it('takes the first activity with the text after the trigger, one to one, whatever the clocks say', () => {
    const acts = [
      act('q1', 'agentMessaged', 'Rename?', 1000),
      act('u0', 'userMessaged', 'Decide yourself.', 500), // a clock far behind ours: still after the question in arrival order
      act('u1', 'userMessaged', 'Decide yourself.', 600), // a person sends the same text later
    ];
    expect(matchKeeperMessages([row('k1', 'question:q1', 'Decide yourself.', 9_999_999)], acts)).toEqual([{ activityId: 'u0', actionId: 'k1', kind: 'answer' }]);
  });
  it('never takes a message from before the trigger, nor failed or non-message rows', () => {
    const acts = [act('u0', 'userMessaged', 'Go on.', 1), act('q1', 'agentMessaged', 'Hm?', 2)];
    expect(matchKeeperMessages([row('k1', 'question:q1', 'Go on.', 0)], acts)).toEqual([]);
    expect(matchKeeperMessages([row('k2', 'quiet:u0#1', 'Go on.', 0, 'nudge', 'failed')], [...acts, act('u2', 'userMessaged', 'Go on.', 3)])).toEqual([]);
    expect(matchKeeperMessages([row('k3', 'plan:p', 'Go on.', 0, 'approve')], [act('u2', 'userMessaged', 'Go on.', 3)])).toEqual([]);
  });
  it('falls back to the time of the claim (less 5 s) without an anchor', () => {
    const acts = [act('u0', 'userMessaged', 'Please continue.', 90_000), act('u1', 'userMessaged', 'Please continue.', 101_000)];
    expect(matchKeeperMessages([row('k1', 'completed@5', 'Please continue.', 100_000, 'continue')], acts)).toEqual([{ activityId: 'u1', actionId: 'k1', kind: 'continue' }]);
  });
  it('reads anchors from triggers', () => {
    expect([anchorOf('question:a1'), anchorOf('quiet:a2#3'), anchorOf('quiet:t123#1'), anchorOf('failed@17'), anchorOf('nopr:5')]).toEqual(['a1', 'a2', null, null, null]);
  });
});

import { describe, expect, it } from 'vitest';
import type { RoutingRule } from '@autopilot/contracts';
import { describeRule, evaluateRule, planRoute, type RouteContext } from './routing.engine';

const rule = (position: number, r: Partial<RoutingRule> & Pick<RoutingRule, 'targets'>): RoutingRule => ({
  id: `r${position}`,
  position,
  name: `rule ${position}`,
  enabled: true,
  match: {},
  fallbackToDefaults: true,
  createdAt: '2026-11-24T00:00:00.000Z',
  explanation: '',
  ...r,
});

const providers = [
  { id: 'p-oa', name: 'openai', kind: 'openai', priority: 20, defaultModels: { default: 'gpt-4.1-mini', review: 'gpt-4.1' } },
  { id: 'p-an', name: 'claude', kind: 'anthropic', priority: 10, defaultModels: { default: 'claude-sonnet-4-5' } },
  { id: 'p-ge', name: 'gemini', kind: 'gemini', priority: 30, defaultModels: { default: 'gemini-2.5-flash' } },
];

const ctx = (c: Partial<RouteContext> = {}): RouteContext => ({ task: 'supervisor', persona: null, budgetLeftPct: 100, hourUtc: 12, ...c });

describe('routing engine', () => {
  const rules = [
    rule(0, { name: 'reviews on Claude', match: { tasks: ['review'] }, targets: [{ provider: 'anthropic', model: 'claude-opus-4-1' }] }),
    rule(1, { name: 'low budget -> flash', match: { budgetLeftBelowPct: 20 }, targets: [{ provider: 'gemini', model: 'gemini-2.5-flash' }], fallbackToDefaults: false }),
    rule(2, { name: 'night debates', match: { tasks: ['debate'], hoursUtc: { from: 22, to: 6 } }, targets: [{ provider: 'openai' }] }),
    rule(3, { name: 'architect persona', match: { personas: ['architect'] }, targets: [{ provider: 'nobody' }, { provider: 'openai' }] }),
  ];

  it('review -> the Anthropic rule, then the other providers by priority as fallbacks', () => {
    const plan = planRoute(rules, providers, ctx({ task: 'review' }));
    expect(plan.matched?.name).toBe('reviews on Claude');
    expect(plan.targets.map((t) => `${t.provider.name}/${t.model}/${t.source}`)).toEqual([
      'claude/claude-opus-4-1/rule',
      'claude/claude-sonnet-4-5/default',
      'openai/gpt-4.1/default',
      'gemini/gemini-2.5-flash/default',
    ]);
    expect(plan.rules.slice(1).every((r) => r.reasons[0]!.startsWith('not evaluated'))).toBe(true);
  });

  it('any task under 20% budget -> Gemini Flash only, explaining why the review rule did not match', () => {
    const plan = planRoute(rules, providers, ctx({ task: 'summarize', budgetLeftPct: 12.5 }));
    expect(plan.matched?.name).toBe('low budget -> flash');
    expect(plan.targets.map((t) => t.model)).toEqual(['gemini-2.5-flash']);
    expect(plan.rules[0]).toMatchObject({ matched: false, reasons: ['task summarize is not one of [review]'] });
    expect(plan.rules[1]).toMatchObject({ matched: true, reasons: ['budget left 12.5% is below 20%'] });
  });

  it('time windows wrap past midnight', () => {
    expect(planRoute(rules, providers, ctx({ task: 'debate', hourUtc: 23 })).matched?.name).toBe('night debates');
    expect(planRoute(rules, providers, ctx({ task: 'debate', hourUtc: 3 })).matched?.name).toBe('night debates');
    const noon = planRoute(rules, providers, ctx({ task: 'debate', hourUtc: 12 }));
    expect(noon.matched).toBeNull();
    expect(noon.rules[2]!.reasons).toEqual(['task debate is one of [debate]', 'hour 12 UTC is outside 22-6']);
    // No rule: every provider by priority with its model for the task.
    expect(noon.targets.map((t) => t.provider.name)).toEqual(['claude', 'openai', 'gemini']);
  });

  it('persona rules; targets that name no enabled provider are reported, not fatal', () => {
    const plan = planRoute(rules, providers, ctx({ persona: 'architect' }));
    expect(plan.matched?.name).toBe('architect persona');
    expect(plan.unresolved).toEqual([{ target: { provider: 'nobody' }, why: 'no enabled provider named or of kind "nobody"' }]);
    expect(plan.targets[0]).toMatchObject({ model: 'gpt-4.1-mini', source: 'rule' });
    expect(evaluateRule(rules[3]!, ctx()).reasons).toEqual(['persona (none) is not one of [architect]']);
  });

  it('disabled rules never match; a rule without conditions matches everything', () => {
    expect(evaluateRule(rule(0, { enabled: false, targets: [{ provider: 'openai' }] }), ctx())).toEqual({ matched: false, reasons: ['rule is disabled'] });
    expect(evaluateRule(rule(0, { targets: [{ provider: 'openai' }] }), ctx())).toEqual({ matched: true, reasons: ['matches every call (no conditions)'] });
  });
});

describe('describeRule', () => {
  it('says every condition and the fallback chain in plain words', () => {
    expect(describeRule(rule(0, { match: { tasks: ['review', 'debate'], personas: ['reviewer'] }, targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }, { provider: 'gemini' }] }))).toBe(
      'When the task is review or debate and the persona is reviewer: claude (claude-sonnet-4-5), then gemini (its default model for the task), then the other providers by priority.',
    );
    expect(describeRule(rule(1, { match: { budgetLeftBelowPct: 20, hoursUtc: { from: 22, to: 6 } }, targets: [{ provider: 'gemini', model: 'gemini-2.5-flash' }], fallbackToDefaults: false }))).toBe(
      'When less than 20% of the budget is left and between 22:00 and 06:00 UTC: gemini (gemini-2.5-flash), and nothing else.',
    );
    expect(describeRule(rule(2, { enabled: false, targets: [{ provider: 'openai' }] }))).toBe('(Disabled) Every call: openai (its default model for the task), then the other providers by priority.');
  });
});

import type { DefaultModels, LlmTask, RouteTarget, RoutingRule } from '@autopilot/contracts';

/** What a rule can look at. */
export interface RouteContext {
  task: LlmTask | 'provider_test';
  persona: string | null;
  budgetLeftPct: number;
  hourUtc: number;
}

/** The provider fields routing needs (the gateway passes its resolved providers, keys included, through untouched). */
export interface RoutableProvider {
  id: string;
  name: string;
  kind: string;
  priority: number;
  defaultModels: DefaultModels;
}

export interface PlannedTarget<P extends RoutableProvider> {
  provider: P;
  model: string;
  source: 'rule' | 'default';
}

export interface RoutePlan<P extends RoutableProvider> {
  matched: RoutingRule | null;
  rules: Array<{ id: string; name: string; position: number; matched: boolean; reasons: string[] }>;
  targets: PlannedTarget<P>[];
  unresolved: Array<{ target: RouteTarget; why: string }>;
}

/** The model a provider uses for a task when a route names only the provider. */
export const modelFor = (p: { defaultModels: DefaultModels }, task: LlmTask | 'provider_test') =>
  (task !== 'provider_test' ? p.defaultModels[task] : undefined) ?? p.defaultModels.default;

const list = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`);
const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

/**
 * A rule in plain words, for lists and the CLI: "When the task is review and less than 20% of the budget is left:
 * gemini (gemini-2.5-flash), then the other providers by priority." Disabled rules say so first.
 */
export function describeRule(rule: Pick<RoutingRule, 'enabled' | 'match' | 'targets' | 'fallbackToDefaults'>): string {
  const m = rule.match;
  const when: string[] = [];
  if (m.tasks) when.push(`the task is ${list(m.tasks)}`);
  if (m.personas) when.push(`the persona is ${list(m.personas)}`);
  if (m.budgetLeftBelowPct !== undefined) when.push(`less than ${m.budgetLeftBelowPct}% of the budget is left`);
  if (m.budgetLeftAtLeastPct !== undefined) when.push(`at least ${m.budgetLeftAtLeastPct}% of the budget is left`);
  if (m.hoursUtc) when.push(m.hoursUtc.from === m.hoursUtc.to ? 'at any hour' : `between ${hh(m.hoursUtc.from)} and ${hh(m.hoursUtc.to)} UTC`);
  const condition = when.length ? `When ${when.join(' and ')}` : 'Every call';
  const targets = rule.targets.map((t) => `${t.provider} (${t.model ?? 'its default model for the task'})`).join(', then ');
  const tail = rule.fallbackToDefaults ? ', then the other providers by priority' : ', and nothing else';
  return `${rule.enabled ? '' : '(Disabled) '}${condition}: ${targets}${tail}.`;
}

const inHours = (h: number, from: number, to: number) => (from === to ? true : from < to ? h >= from && h < to : h >= from || h < to);

/** Whether one rule matches, with a reason for every condition (why it held or why it did not). */
export function evaluateRule(rule: RoutingRule, ctx: RouteContext): { matched: boolean; reasons: string[] } {
  const reasons: string[] = [];
  let ok = true;
  const check = (cond: boolean, yes: string, no: string) => {
    reasons.push(cond ? yes : no);
    if (!cond) ok = false;
  };
  if (!rule.enabled) return { matched: false, reasons: ['rule is disabled'] };
  const m = rule.match;
  if (m.tasks) check((m.tasks as string[]).includes(ctx.task), `task ${ctx.task} is one of [${m.tasks.join(', ')}]`, `task ${ctx.task} is not one of [${m.tasks.join(', ')}]`);
  if (m.personas) {
    const p = ctx.persona;
    check(p !== null && m.personas.includes(p), `persona ${p} is one of [${m.personas.join(', ')}]`, `persona ${p ?? '(none)'} is not one of [${m.personas.join(', ')}]`);
  }
  const left = Math.round(ctx.budgetLeftPct * 100) / 100;
  if (m.budgetLeftBelowPct !== undefined) {
    check(ctx.budgetLeftPct < m.budgetLeftBelowPct, `budget left ${left}% is below ${m.budgetLeftBelowPct}%`, `budget left ${left}% is not below ${m.budgetLeftBelowPct}%`);
  }
  if (m.budgetLeftAtLeastPct !== undefined) {
    check(ctx.budgetLeftPct >= m.budgetLeftAtLeastPct, `budget left ${left}% is at least ${m.budgetLeftAtLeastPct}%`, `budget left ${left}% is under ${m.budgetLeftAtLeastPct}%`);
  }
  if (m.hoursUtc) {
    const { from, to } = m.hoursUtc;
    check(inHours(ctx.hourUtc, from, to), `hour ${ctx.hourUtc} UTC is within ${from}-${to}`, `hour ${ctx.hourUtc} UTC is outside ${from}-${to}`);
  }
  if (reasons.length === 0) reasons.push('matches every call (no conditions)');
  return { matched: ok, reasons };
}

/** A route target names a provider by name, or by kind (the first such provider by priority). */
function resolveProvider<P extends RoutableProvider>(providers: P[], name: string): P | undefined {
  return providers.find((p) => p.name === name) ?? providers.find((p) => p.kind === name);
}

/**
 * The ordered targets for a call: the first matching rule's targets (its fallback chain), then, unless the rule
 * says otherwise, every other provider by priority with its model for the task. With no matching rule, only the
 * defaults. Duplicated provider:model pairs are tried once.
 */
export function planRoute<P extends RoutableProvider>(rules: RoutingRule[], providers: P[], ctx: RouteContext): RoutePlan<P> {
  const evaluated: RoutePlan<P>['rules'] = [];
  let matched: RoutingRule | null = null;
  for (const r of rules) {
    if (matched) {
      evaluated.push({ id: r.id, name: r.name, position: r.position, matched: false, reasons: [`not evaluated: rule "${matched.name}" matched first`] });
      continue;
    }
    const e = evaluateRule(r, ctx);
    evaluated.push({ id: r.id, name: r.name, position: r.position, ...e });
    if (e.matched) matched = r;
  }
  const targets: PlannedTarget<P>[] = [];
  const unresolved: RoutePlan<P>['unresolved'] = [];
  const seen = new Set<string>();
  const add = (provider: P, model: string, source: 'rule' | 'default') => {
    const key = `${provider.id}:${model}`;
    if (seen.has(key)) return;
    seen.add(key);
    targets.push({ provider, model, source });
  };
  if (matched) {
    for (const t of matched.targets) {
      const p = resolveProvider(providers, t.provider);
      if (!p) unresolved.push({ target: t, why: `no enabled provider named or of kind "${t.provider}"` });
      else add(p, t.model ?? modelFor(p, ctx.task), 'rule');
    }
  }
  if (!matched || matched.fallbackToDefaults) {
    for (const p of [...providers].sort((a, b) => a.priority - b.priority)) add(p, modelFor(p, ctx.task), 'default');
  }
  return { matched, rules: evaluated, targets, unresolved };
}

/** Resolves a single `{ provider, model }` (e.g. a budget's degrade target) against the enabled providers. */
export function resolveTarget<P extends RoutableProvider>(providers: P[], t: { provider: string; model: string }): PlannedTarget<P> | null {
  const p = resolveProvider(providers, t.provider);
  return p ? { provider: p, model: t.model, source: 'rule' } : null;
}

import type { SessionActivity, SessionDetail } from '@autopilot/contracts';

/*
 * Readers for the raw Jules payloads the server keeps in `activity.data` and `session.outputs`. The Jules API is
 * alpha, so every field is optional here and unknown shapes degrade to the activity's description.
 */

export interface PlanStep {
  id?: string;
  title: string;
  description?: string;
  index: number;
}
export interface Plan {
  id?: string;
  steps: PlanStep[];
  activityId: string;
}
export interface ChangeSet {
  patch: string;
  commitMessage?: string;
  source?: string;
  /** What it is, for a person: "Step 3: Add validation", "Change 2: Published the changes" or "Final change set". */
  label: string;
  key: string;
}

const obj = (v: unknown): Record<string, any> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The latest plan of a session, if any activity generated one. */
export function latestPlan(acts: readonly SessionActivity[]): Plan | null {
  for (let i = acts.length - 1; i >= 0; i--) {
    const plan = obj(obj(acts[i].data.planGenerated)?.plan);
    if (!plan) continue;
    const steps = (Array.isArray(plan.steps) ? plan.steps : [])
      .map((s: unknown, k: number) => ({ id: str(obj(s)?.id), title: str(obj(s)?.title) ?? `Step ${k + 1}`, description: str(obj(s)?.description), index: Number(obj(s)?.index ?? k) }))
      .sort((a: PlanStep, b: PlanStep) => a.index - b.index);
    return { id: str(plan.id), steps, activityId: acts[i].id };
  }
  return null;
}

/** Whether the given plan was approved by a later activity. */
export function planApproved(acts: readonly SessionActivity[], plan: Plan): boolean {
  const from = acts.findIndex((a) => a.id === plan.activityId);
  return acts.slice(from + 1).some((a) => a.kind === 'planApproved' || obj(a.data.planApproved) !== undefined);
}

function changeSetOf(v: unknown): { patch: string; commitMessage?: string; source?: string } | null {
  const cs = obj(obj(v)?.changeSet);
  const patch = str(obj(cs?.gitPatch)?.unidiffPatch);
  if (!cs || patch === undefined) return null;
  return { patch, commitMessage: str(obj(cs.gitPatch)?.suggestedCommitMessage), source: str(cs.source) };
}

/** What an activity says it did: a progress title, else its description. */
function activityTitle(a: SessionActivity): string | undefined {
  const t = str(obj(a.data.progressUpdated)?.title) ?? a.description ?? undefined;
  return t?.trim() || undefined;
}

/** The change sets carried by one activity's artifacts (labelled by what the activity says; see allChangeSets). */
export function activityChangeSets(a: SessionActivity): ChangeSet[] {
  const arts = Array.isArray(a.data.artifacts) ? a.data.artifacts : [];
  return arts.flatMap((art, i) => {
    const cs = changeSetOf(art);
    return cs ? [{ ...cs, label: activityTitle(a) ?? 'Change set', key: `${a.id}:${i}` }] : [];
  });
}

const norm = (t: string) => t.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Every change set of a session, newest first: session outputs ("Final change set"), then activity artifacts,
 * each named by its step: "Step 3: Add validation" when the activity's title is a step of the plan it follows,
 * else "Change 2: <title>" (the second change set of the session).
 */
export function allChangeSets(session: SessionDetail | undefined, acts: readonly SessionActivity[]): ChangeSet[] {
  const outputs = (session?.outputs ?? []).flatMap((o, i, all) => {
    const cs = changeSetOf(o);
    return cs ? [{ ...cs, label: all.length > 1 ? `Final change set ${i + 1}` : 'Final change set', key: `output:${i}` }] : [];
  });
  const fromActs: ChangeSet[] = [];
  let steps: string[] = [];
  for (const a of acts) {
    const plan = obj(obj(a.data.planGenerated)?.plan);
    if (plan) {
      steps = (Array.isArray(plan.steps) ? plan.steps : [])
        .map((x: unknown, k: number) => ({ title: str(obj(x)?.title) ?? '', index: Number(obj(x)?.index ?? k) }))
        .sort((x: { index: number }, y: { index: number }) => x.index - y.index)
        .map((x: { title: string }) => norm(x.title));
    }
    for (const cs of activityChangeSets(a)) {
      const title = activityTitle(a);
      const step = title ? steps.indexOf(norm(title)) : -1;
      const n = fromActs.length + 1;
      fromActs.push({ ...cs, label: step >= 0 ? `Step ${step + 1}: ${title}` : title ? `Change ${n}: ${title}` : `Change ${n}` });
    }
  }
  return [...outputs, ...fromActs.reverse()];
}

/** The pull request URL from the session's outputs (falls back to the summary's prUrl). */
export function pullRequestOf(session: SessionDetail): { url: string; title?: string } | null {
  for (const o of session.outputs) {
    const pr = obj(o.pullRequest);
    if (pr && str(pr.url)) return { url: pr.url, title: str(pr.title) };
  }
  return session.prUrl ? { url: session.prUrl } : null;
}

const KEEPER_KIND: Record<string, string> = { answer: 'answered', nudge: 'nudged', heal: 'asked to recover', continue: 'asked to continue' };

/**
 * What to show for one activity in the timeline: a headline and an optional body text. `keeperKind` is set when
 * the keeper's ledger says this message was the keeper's (GET /api/sessions/{id}/keeper `messages`).
 */
export function describeActivity(a: SessionActivity, keeperKind?: string): { headline: string; body?: string; tone: 'agent' | 'user' | 'keeper' | 'system' | 'good' | 'bad' } {
  const d = a.data as Record<string, any>;
  if (obj(d.agentMessaged)) return { headline: 'Jules', body: str(d.agentMessaged.agentMessage) ?? a.description ?? '', tone: 'agent' };
  if (obj(d.userMessaged) && keeperKind) {
    return { headline: `Keeper (${KEEPER_KIND[keeperKind] ?? keeperKind})`, body: str(d.userMessaged.userMessage) ?? a.description ?? '', tone: 'keeper' };
  }
  if (obj(d.userMessaged)) return { headline: 'You', body: str(d.userMessaged.userMessage) ?? a.description ?? '', tone: 'user' };
  if (obj(d.planGenerated)) {
    const n = Array.isArray(d.planGenerated.plan?.steps) ? d.planGenerated.plan.steps.length : 0;
    return { headline: `Plan generated (${n} step${n === 1 ? '' : 's'})`, tone: 'agent' };
  }
  if (obj(d.planApproved)) return { headline: 'Plan approved', tone: 'good' };
  if (obj(d.progressUpdated)) return { headline: str(d.progressUpdated.title) ?? 'Progress', body: str(d.progressUpdated.description), tone: 'system' };
  if (obj(d.sessionCompleted)) return { headline: 'Session completed', tone: 'good' };
  if (obj(d.sessionFailed)) return { headline: 'Session failed', body: str(d.sessionFailed.reason), tone: 'bad' };
  return { headline: a.description ?? a.kind, tone: 'system' };
}

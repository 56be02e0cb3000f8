import type { Logger } from '../../platform/logger';
import type { LlmRequest } from '../llm';
import type { KeeperActivity, MessageBrief, PlanStepView } from './keeper.types';

/** What the supervisor knows when it writes to the agent. */
export interface SupervisorContext {
  workspaceId: string;
  sessionId: string;
  prompt: string;
  title: string;
  plan: PlanStepView[] | null;
  /** Recent activities, oldest first. */
  recent: KeeperActivity[];
  /** Text of auto-continue (from the settings). */
  continueMessage: string;
}

export interface SupervisorReply {
  text: string;
  via: 'llm' | 'template';
}

/** Writes the keeper's messages to agents: answers, nudges, recovery and continue messages. */
export interface Supervisor {
  compose(brief: MessageBrief, ctx: SupervisorContext): Promise<SupervisorReply>;
}

/** The part of the LLM gateway the supervisor uses (so tests can pass a fake). */
export interface TextGenerator {
  generateText(req: LlmRequest): Promise<{ text: string }>;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1).trimEnd()}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function nextStep(ctx: SupervisorContext): string | null {
  if (!ctx.plan?.length) return null;
  const done = new Set(ctx.recent.filter((a) => a.kind === 'progressUpdated' && a.text).map((a) => a.text!.toLowerCase()));
  return ctx.plan.find((s) => !done.has(s.title.toLowerCase()))?.title ?? null;
}

/**
 * Deterministic messages built from the session's own words: used when no LLM provider is configured, the
 * budget is spent or the breakers are open, so the keeper never goes quiet for lack of a model.
 */
export function templateMessage(brief: MessageBrief, ctx: SupervisorContext): string {
  const task = clip(oneLine(ctx.prompt), 300);
  switch (brief.purpose) {
    case 'answer': {
      const q = brief.cue ? `You asked: "${clip(oneLine(brief.cue), 400)}"\n\n` : '';
      return (
        `${q}Use your best judgement within the original task ("${task}"). Prefer the option that keeps the change small, ` +
        'backwards compatible and consistent with the conventions already in the repository; do not add new dependencies ' +
        'unless the task needs them. State any assumption you make in the pull request description, then continue.'
      );
    }
    case 'nudge': {
      const mins = Math.max(1, Math.round((brief.quietMs ?? 0) / 60_000));
      const last = brief.cue ? ` Your last update was: "${clip(oneLine(brief.cue), 200)}".` : '';
      const step = nextStep(ctx);
      const next = step ? ` The next step of your plan looks like: "${clip(step, 200)}".` : '';
      return (
        `There has been no activity on this session for about ${mins} min.${last}${next} ` +
        'If you are blocked, say exactly what you need; otherwise please continue with the task and report progress.'
      );
    }
    case 'heal': {
      const why = brief.cue ? `The session failed with: "${clip(oneLine(brief.cue), 500)}".` : 'The session failed.';
      return `${why} Please find the cause, fix it and try again, keeping to the original task ("${task}"). If it cannot be done, explain why.`;
    }
    case 'continue':
      return ctx.continueMessage;
  }
}

function llmPrompt(brief: MessageBrief, ctx: SupervisorContext): string {
  const plan = ctx.plan?.length ? ctx.plan.map((s, i) => `${i + 1}. ${s.title}`).join('\n') : '(no plan)';
  const recent = ctx.recent.slice(-10).map((a) => `- [${a.originator} ${a.kind}] ${clip(oneLine(a.text ?? ''), 300)}`).join('\n');
  const ask = {
    answer: `The agent asked: "${brief.cue ?? ''}". Answer it directly and decisively so the agent can continue.`,
    nudge: `The agent has been silent for ${Math.round((brief.quietMs ?? 0) / 60_000)} min. Write a short, specific nudge to continue.`,
    heal: `The session failed: "${brief.cue ?? ''}". Write a recovery instruction that addresses this failure.`,
    continue: 'The session completed. Ask the agent to continue with any remaining work.',
  }[brief.purpose];
  return `Task given to the coding agent:\n${clip(ctx.prompt, 4000)}\n\nPlan:\n${plan}\n\nRecent activity:\n${recent}\n\n${ask}\nReply with the message only.`;
}

/**
 * The supervisor: asks the LLM gateway (task 'supervisor') when one is wired, and falls back to the templates on
 * any gateway error (no provider, budget exhausted, breakers open, upstream failure) or an empty answer.
 */
export function createSupervisor(deps: { llm?: TextGenerator; log?: Logger } = {}): Supervisor {
  return {
    async compose(brief, ctx) {
      if (deps.llm && brief.purpose !== 'continue') {
        try {
          const r = await deps.llm.generateText({
            workspaceId: ctx.workspaceId,
            task: 'supervisor',
            persona: 'keeper',
            sessionId: ctx.sessionId,
            system: 'You supervise an autonomous coding agent. Be brief, concrete and decisive. Never ask the agent to do anything destructive.',
            prompt: llmPrompt(brief, ctx),
            maxOutputTokens: 400,
          });
          const text = r.text.trim();
          if (text) return { text: clip(text, 4000), via: 'llm' };
        } catch (err) {
          deps.log?.debug({ err: (err as Error).message, sessionId: ctx.sessionId }, 'supervisor fell back to a template');
        }
      }
      return { text: templateMessage(brief, ctx), via: 'template' };
    },
  };
}

import type { ApiClient } from '@autopilot/client';
import type { CreateSessionBody, DispatchIntent, SessionDetail } from '@autopilot/contracts';
import { buildPrompt, titleOf, type Selection } from './prompt';
import { sourceOf, type RepoContext } from './git';

/**
 * The tree's actions, each one API call through @autopilot/client (errors are the client's ApiError, whose
 * message names the field or the state conflict).
 */
export function sessionActions(api: ApiClient) {
  return {
    approvePlan: (id: string) => api.sessions.approvePlan(id),
    reply: (id: string, message: string) => {
      if (!message.trim()) throw new Error('The reply is empty.');
      return api.sessions.sendMessage(id, message);
    },
    archive: (id: string) => api.sessions.archive(id),
    /** Pauses (or resumes) the keeper for one session. */
    setKeeperPaused: (id: string, paused: boolean) => api.keeper.setSessionPaused(id, paused),
    /** Turns the keeper of the whole workspace off or on (admins and owners). */
    setKeeperEnabled: async (enabled: boolean) => (await api.keeper.updateSettings({ enabled })).enabled,
    /** The PR of a session, read fresh (the tree's copy may predate it): null when it has none. */
    prUrl: async (id: string): Promise<string | null> => {
      const url = (await api.sessions.get(id)).prUrl;
      return url && /^https?:\/\//i.test(url) ? url : null;
    },
  };
}

export interface StartInput {
  repo: RepoContext;
  task: string;
  selection?: Selection;
  /** Branch to start from when the checkout's own is not wanted (or HEAD is detached). */
  branch?: string;
  requirePlanApproval?: boolean;
  autoCreatePr?: boolean;
}

/** The body of POST /api/sessions for "start a Jules session on this repo / this selection". */
export function startBody(input: StartInput): CreateSessionBody {
  const branch = input.branch ?? input.repo.branch;
  if (!branch) throw new Error('HEAD is detached: check out a branch (or pick one) to start the session from.');
  return {
    prompt: buildPrompt({ task: input.task, selection: input.selection }),
    title: titleOf(input.task),
    source: sourceOf(input.repo),
    startingBranch: branch,
    ...(input.requirePlanApproval !== undefined ? { requirePlanApproval: input.requirePlanApproval } : {}),
    ...(input.autoCreatePr !== undefined ? { autoCreatePr: input.autoCreatePr } : {}),
  };
}

/** Starts the session: a created session, or the dispatch intent when the account's plan limits queue it. */
export async function startSession(api: ApiClient, input: StartInput): Promise<SessionDetail | DispatchIntent> {
  return api.sessions.create(startBody(input)) as Promise<SessionDetail | DispatchIntent>;
}

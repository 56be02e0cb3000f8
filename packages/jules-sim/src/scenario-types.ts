import type { SessionState } from './types.ts';

/** One scripted step of a scenario session, applied at `atSeconds` after the session's create time. */
export interface ScriptItem {
  atSeconds: number;
  /** Activity to add (optional). */
  activity?: 'planGenerated' | 'planApproved' | 'progressUpdated' | 'agentMessaged' | 'sessionCompleted' | 'sessionFailed';
  /** progressUpdated title / agentMessaged text. */
  title?: string;
  description?: string;
  message?: string;
  reason?: string;
  /** For progressUpdated: attach a cumulative change set that grows by one file. */
  changeSet?: boolean;
  /** For planGenerated: number of steps (default 4). */
  steps?: number;
  /** State to set (optional; sessionCompleted/sessionFailed imply COMPLETED/FAILED). */
  state?: SessionState;
}

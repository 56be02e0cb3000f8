import type { ComponentHealth } from '@autopilot/contracts';
import type { AccountsService } from './accounts.service';
import type { SessionsService } from './sessions.service';
import type { SessionsDispatchPort } from './sessions.dispatch';

/** A session as Jules sees it right now. */
export interface UpstreamSession {
  state: string;
  archived: boolean;
  updateTimeMs: number;
}

/**
 * What other features may use of the sessions feature: the mirror's reads and actions, and the few facts about
 * Jules accounts they need (so no other feature ever reads an account row or holds a Jules client).
 */
export interface SessionsFeatureService extends SessionsService {
  /** When the mirror last finished a full poll of the account (epoch ms), or null. */
  lastSyncAt(workspaceId: string, accountId: string): Promise<number | null>;
  /** The session as Jules sees it (one sessions.get through its account's client), or null when it cannot be read. */
  upstream(workspaceId: string, id: string): Promise<UpstreamSession | null>;
  /** Workspaces that have at least one Jules account. */
  workspacesWithAccounts(): Promise<string[]>;
  /** Circuit-breaker states of the accounts' clients (for /api/health). */
  healthComponents(): ComponentHealth[];
  /** What the dispatcher needs about accounts and their load (it owns every create). */
  dispatch: SessionsDispatchPort;
}

export function createSessionsFeatureService(sessions: SessionsService, accounts: AccountsService, dispatch: SessionsDispatchPort): SessionsFeatureService {
  return {
    ...sessions,
    async lastSyncAt(workspaceId, accountId) {
      const row = await accounts.row(workspaceId, accountId);
      return row?.last_sync_at ? Date.parse(row.last_sync_at) : null;
    },
    async upstream(workspaceId, id) {
      try {
        const s = await sessions.get(workspaceId, id);
        const acc = await accounts.row(workspaceId, s.accountId);
        const client = acc ? accounts.client(acc) : null;
        if (!client) return null;
        const u = await client.getSession(s.julesId);
        return { state: String(u.state), archived: !!u.archived, updateTimeMs: Date.parse(u.updateTime) };
      } catch {
        return null;
      }
    },
    workspacesWithAccounts: async () => [...new Set((await accounts.allRows()).map((r) => r.workspace_id))],
    healthComponents: () => accounts.healthComponents(),
    dispatch,
  };
}

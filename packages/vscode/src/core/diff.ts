import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import type { ApiClient } from '@autopilot/client';
import type { SessionActivity } from '@autopilot/contracts';

/** A session's change as Jules reported it: a git unified diff over `baseCommitId`. */
export interface SessionPatch {
  patch: string;
  baseCommitId: string | null;
  /** Where it came from: the session's outputs, or the newest change-set artifact of its activities. */
  from: 'outputs' | 'activity';
}

/** One file of the change as the two documents of VS Code's diff editor. */
export interface DiffDocument {
  /** The path in the repository (new path for renames, old path for deletions). */
  path: string;
  oldPath: string | null;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  original: string;
  modified: string;
  /**
   * true: both documents are the whole file (the patch applied cleanly to the local copy); false: they hold the
   * patch's hunks at their real line numbers, lines the patch does not show left empty.
   */
  complete: boolean;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function patchOfChangeSet(cs: unknown): { patch: string; baseCommitId: string | null } | null {
  const gp = obj(obj(cs).gitPatch);
  if (typeof gp.unidiffPatch !== 'string' || !gp.unidiffPatch.trim()) return null;
  return { patch: gp.unidiffPatch, baseCommitId: typeof gp.baseCommitId === 'string' ? gp.baseCommitId : null };
}

/** The change set of a session's outputs, if any. */
export function patchFromOutputs(outputs: readonly Record<string, unknown>[]): SessionPatch | null {
  for (const o of outputs) {
    const p = patchOfChangeSet(o.changeSet);
    if (p) return { ...p, from: 'outputs' };
  }
  return null;
}

/** The newest change-set artifact among activities (Jules's change sets are cumulative: the newest has it all). */
export function patchFromActivities(activities: readonly SessionActivity[]): SessionPatch | null {
  for (let i = activities.length - 1; i >= 0; i--) {
    const arts = activities[i].data.artifacts;
    if (!Array.isArray(arts)) continue;
    for (let j = arts.length - 1; j >= 0; j--) {
      const p = patchOfChangeSet(obj(arts[j]).changeSet);
      if (p) return { ...p, from: 'activity' };
    }
  }
  return null;
}

/** A session's patch through the API: its outputs first (GET /api/sessions/{id}), else its activities. */
export async function fetchSessionPatch(api: ApiClient, id: string, signal?: AbortSignal): Promise<SessionPatch | null> {
  const s = await api.sessions.get(id, signal);
  return patchFromOutputs(s.outputs) ?? patchFromActivities(await api.sessions.allActivities(id, signal));
}

const strip = (name: string | undefined) => (!name || name === '/dev/null' ? null : name.replace(/^[ab]\//, ''));

/** The hunks of one file laid out at their line numbers, for one side ('-' = original, '+' = modified). */
function sideFromHunks(p: StructuredPatch, side: '-' | '+'): string {
  const out: string[] = [];
  for (const h of p.hunks) {
    const start = side === '-' ? h.oldStart : h.newStart;
    // An empty side of a hunk (a created or deleted file) starts at 0 or 1 and has nothing before it.
    while (out.length < start - 1) out.push('');
    for (const l of h.lines) {
      const mark = l[0];
      if (mark === '\\') continue; // "\ No newline at end of file"
      if (mark === ' ' || mark === side) out.push(l.slice(1));
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * Turns a unified diff into one pair of documents per file. `readOriginal(path)` may return the file as it is in
 * the local checkout: when the patch applies to it cleanly, the pair is the whole file before and after; otherwise
 * (no local copy, another revision) the pair holds the hunks at their real line numbers.
 */
export async function diffDocuments(patch: string, readOriginal?: (path: string) => Promise<string | null>): Promise<DiffDocument[]> {
  const files = parsePatch(patch).filter((p) => p.hunks.length > 0 || p.isRename || p.isCreate || p.isDelete);
  const docs: DiffDocument[] = [];
  for (const p of files) {
    const oldPath = strip(p.oldFileName);
    const newPath = strip(p.newFileName);
    const path = newPath ?? oldPath;
    if (!path) continue;
    const status: DiffDocument['status'] = !oldPath || p.isCreate ? 'added' : !newPath || p.isDelete ? 'deleted' : oldPath !== newPath ? 'renamed' : 'modified';
    if (oldPath && status !== 'added' && readOriginal) {
      const local = await readOriginal(oldPath).catch(() => null);
      if (local !== null) {
        const applied = applyPatch(local, p);
        if (applied !== false) {
          docs.push({ path, oldPath, status, original: local, modified: status === 'deleted' ? '' : applied, complete: true });
          continue;
        }
      }
    }
    docs.push({ path, oldPath, status, original: status === 'added' ? '' : sideFromHunks(p, '-'), modified: status === 'deleted' ? '' : sideFromHunks(p, '+'), complete: status === 'added' });
  }
  return docs;
}

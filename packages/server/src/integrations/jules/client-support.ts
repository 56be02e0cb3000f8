import type { z } from 'zod';
import type { Logger } from '../../platform/logger';
import { UpstreamMalformed } from './errors';
import { Activity, Session, UNKNOWN_TIME, idFromName, sortableTime, type Session as JulesSession } from './wire';

/** Helpers of the Jules client that need no client state: record-by-record parsing, filters, create recovery. */

/**
 * Parses the records of one list page one by one. A malformed record is logged (its name, never its body: it is
 * upstream data and may hold anything) and skipped, so it costs itself and not the page or the sync. The ids that
 * can still be read from skipped records are returned: those sessions exist upstream and must not look deleted.
 */
export function parseItems<T>(where: 'sessions' | 'activities', raw: unknown[], schema: z.ZodType<T>, log?: Logger): { items: T[]; skippedIds: string[] } {
  const items: T[] = [];
  const skippedIds: string[] = [];
  for (const r of raw) {
    const p = schema.safeParse(r);
    if (p.success) {
      items.push(p.data);
      continue;
    }
    const rec = r && typeof r === 'object' ? (r as Record<string, unknown>) : {};
    const name = typeof rec.name === 'string' ? rec.name.slice(0, 200) : undefined;
    const id = (typeof rec.id === 'string' && rec.id) || idFromName(name, where);
    if (id) skippedIds.push(id);
    const issue = p.error.issues[0];
    log?.warn({ where, name: name ?? null, issue: `${issue?.path.join('.') || '(record)'}: ${issue?.message}` }, 'Jules sent a malformed record; skipped it');
  }
  return { items, skippedIds };
}

type ParsedActivity = z.output<typeof Activity>;

/**
 * A missing activity createTime is taken from the activity before it (lists are oldest first), else `floor` (the
 * lower bound the list was filtered by), else UNKNOWN_TIME: the position in the page is all we know of its time.
 */
export function withTimes(items: ParsedActivity[], floor?: string): ParsedActivity[] {
  let prev = floor;
  return items.map((a) => {
    const t = a.createTime || prev || UNKNOWN_TIME;
    prev = t;
    return a.createTime ? a : { ...a, createTime: t };
  });
}

/**
 * The activities filter in the form Google's SDK builds (`create_time>"<RFC 3339>"`), with the bound moved 1 ns
 * before `time`: `>` then keeps activities created at exactly `time` (several can share a timestamp), which plain
 * `>` of the newest time held would lose. The caller drops the ids it already has.
 */
export function createTimeAfter(time: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{9})Z$/.exec(sortableTime(time));
  if (!m) return `create_time>"${time}"`;
  const nanos = Number(m[2]);
  if (nanos > 0) return `create_time>"${m[1]}.${String(nanos - 1).padStart(9, '0')}Z"`;
  const prevSecond = new Date(Date.parse(`${m[1]}Z`) - 1000).toISOString().slice(0, 19);
  return `create_time>"${prevSecond}.999999999Z"`;
}

/** What recovery needs of the client. */
interface RecoveryClient {
  getSession(id: string, o?: { signal?: AbortSignal }): Promise<JulesSession>;
  listSessions(o?: { pageSize?: number; signal?: AbortSignal }): Promise<{ items: JulesSession[] }>;
}

/** How far back (before we sent the create) a listed session may start and still be taken as ours: clock skew. */
const RECOVERY_WINDOW_MS = 10 * 60_000;

/**
 * The session Jules created when its 2xx answer to sessions.create could not be read (not JSON, or no usable
 * fields). Tries, in order: the id in whatever body was readable, then fetched with sessions.get (a minimal QUEUED
 * session from our own input when that read fails too); then the newest sessions, taking the newest one with our
 * prompt created since shortly before we sent. Never sends the create again. When nothing is found the
 * UpstreamMalformed stands: the next sync imports the session anyway.
 */
export async function recoverCreated(
  client: RecoveryClient,
  input: { prompt: string; title?: string },
  raw: unknown,
  sentAtMs: number,
  o: { signal?: AbortSignal },
  unreadable?: UpstreamMalformed,
): Promise<JulesSession> {
  const rec = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const id = (typeof rec.id === 'string' && /^[\w-]{1,64}$/.test(rec.id) && rec.id) || idFromName(rec.name, 'sessions');
  if (id) {
    try {
      return await client.getSession(id, o);
    } catch {
      const at = new Date(sentAtMs).toISOString();
      return Session.parse({ id, name: `sessions/${id}`, prompt: input.prompt, title: input.title ?? '', state: 'QUEUED', createTime: at, updateTime: at });
    }
  }
  const since = sortableTime(new Date(sentAtMs - RECOVERY_WINDOW_MS).toISOString());
  const page = await client.listSessions({ pageSize: 30, signal: o.signal });
  const mine = page.items.find((s) => s.prompt === input.prompt && sortableTime(s.createTime) >= since);
  if (mine) return mine;
  throw unreadable ?? new UpstreamMalformed('sessions.create: the answer could not be read and the session was not found in the newest sessions', 'sessions.create', 200);
}

import type { HookRule } from '@autopilot/contracts';
import { iso } from '../../platform/clock';
import { sha256 } from '../../platform/crypto';
import type { HookFollowupsTable } from '../../platform/db/schema.events';
import { intervalLoop, type Loop } from '../../platform/loops';
import { endpointView } from './hooks.intake';
import type { EndpointView, RunnerDeps, StoredDelivery } from './hooks.types';

/** What a launched session owes its sender once it has a PR: a Linear comment, or a Slack message in the thread. */
export type FollowupTarget =
  | { kind: 'linear_comment'; issueId: string; identifier: string | null }
  | {
      kind: 'slack';
      channel: string | null;
      responseUrl: string | null;
      userId: string | null;
      prompt: string;
      /** The thread: the `ts` of the start message posted with the bot token (null until posted, or without a token). */
      threadTs?: string | null;
      started?: boolean;
    };

const SLACK_API = 'https://slack.com/api';
const LINEAR_API = 'https://api.linear.app/graphql';
const SEND_TIMEOUT_MS = 10_000;
/** A claimed row is someone's for this long: a crash mid-reply leaves it to another instance after it. */
const LEASE_MS = 120_000;
/** Rows scheduled to be looked at again within this long may be nudged to now; a claimed row is further out. */
const NUDGE_WINDOW_MS = 20_000;
/** No PR after this long: the follow-up expires (nothing more is sent). */
const TTL_MS = 7 * 86_400_000;
/** Replies that keep failing are given up after this many attempts (with a notification). */
const MAX_ATTEMPTS = 8;
const DONE_STATES = new Set(['COMPLETED', 'FAILED']);

/** Slack mrkdwn: &, < and > are control characters; text from a person or a payload is shown, never interpreted. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A UUID derived from the follow-up's id: Linear's commentCreate takes a client id, so a retried reply is one comment. */
const uuidOf = (id: string) => {
  const h = sha256(id);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/**
 * Replies owed to senders (`hook_followups`): one row per (delivery row, rule), inserted when the rule launched
 * something, then checked by a loop until the session has a PR. A row is claimed by moving its `next_at` a lease
 * ahead in one conditional UPDATE, so one instance replies; the Linear comment carries a client id derived from the
 * row, so a reply retried after a crash is still one comment. Slack's Web API has no such key: a crash between
 * Slack's answer and our update can post a thread reply twice (at-least-once there, said in the README).
 */
export function createFollowups(deps: RunnerDeps) {
  const k = deps.db.kysely;
  const { clock } = deps;
  const log = deps.log.child({ part: 'followups' });

  const sessionLink = (id: string) => (deps.publicUrl ? `${deps.publicUrl.replace(/\/$/, '')}/sessions/${encodeURIComponent(id)}` : null);

  async function post(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; json: unknown; text: string }> {
    const res = await deps.outbound.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* Slack's response URLs answer plain "ok" */
    }
    return { status: res.status, json, text: text.slice(0, 500) };
  }

  /** Slack Web API chat.postMessage: the `ts` of the message, or throws with Slack's error. */
  async function slackPost(endpoint: EndpointView, channel: string, text: string, threadTs?: string | null): Promise<string> {
    const base = (endpoint.reply.apiUrl ?? SLACK_API).replace(/\/$/, '');
    const r = await post(`${base}/chat.postMessage`, { authorization: `Bearer ${endpoint.reply.token}` }, { channel, text, ...(threadTs ? { thread_ts: threadTs } : {}), unfurl_links: false });
    const j = r.json as { ok?: boolean; ts?: string; error?: string } | null;
    if (r.status !== 200 || !j?.ok || typeof j.ts !== 'string') throw new Error(`Slack chat.postMessage: ${j?.error ?? `HTTP ${r.status}`}`);
    return j.ts;
  }
  async function slackRespond(url: string, text: string, ephemeral: boolean): Promise<void> {
    const r = await post(url, {}, { response_type: ephemeral ? 'ephemeral' : 'in_channel', replace_original: false, text });
    if (r.status >= 300) throw new Error(`Slack response_url: HTTP ${r.status}`);
  }

  async function linearComment(endpoint: EndpointView, rowId: string, issueId: string, body: string): Promise<void> {
    const r = await post(endpoint.reply.apiUrl ?? LINEAR_API, { authorization: endpoint.reply.token as string }, {
      query: 'mutation CommentCreate($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id } } }',
      variables: { input: { id: uuidOf(rowId), issueId, body } },
    });
    const j = r.json as { data?: { commentCreate?: { success?: boolean } }; errors?: Array<{ message?: string }> } | null;
    if (j?.data?.commentCreate?.success) return;
    const message = j?.errors?.map((e) => e.message).join('; ') ?? `HTTP ${r.status}`;
    // The comment with this client id exists: an earlier attempt got through before a crash.
    if (/already exists|duplicate/i.test(message)) return;
    throw new Error(`Linear commentCreate: ${message}`.slice(0, 500));
  }

  /** Sends one reply on the row's target. */
  async function reply(endpoint: EndpointView, row: HookFollowupsTable, target: FollowupTarget, text: { slack: string; linear: string }): Promise<void> {
    if (target.kind === 'linear_comment') return linearComment(endpoint, row.id, target.issueId, text.linear);
    if (target.threadTs && target.channel && endpoint.reply.token) {
      await slackPost(endpoint, target.channel, text.slack, target.threadTs);
      return;
    }
    if (target.responseUrl) return slackRespond(target.responseUrl, text.slack, false);
    if (target.channel && endpoint.reply.token) {
      await slackPost(endpoint, target.channel, text.slack);
      return;
    }
    throw new Error('nowhere to reply: no bot token and no response_url');
  }

  const update = (id: string, patch: Partial<HookFollowupsTable>) => k.updateTable('hook_followups').set({ ...patch, updated_at: iso(clock) }).where('id', '=', id).execute();

  async function endpointOf(id: string): Promise<EndpointView | null> {
    const e = await k.selectFrom('hook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return e ? endpointView(e, (sealed) => deps.secrets.decrypt(sealed)) : null;
  }

  /** One due row this instance claimed: find its session and PR, reply, or look again later. */
  async function step(row: HookFollowupsTable, endpoint: EndpointView): Promise<void> {
    const now = clock.now();
    const target = JSON.parse(row.target) as FollowupTarget;
    const later = (ms: number) => update(row.id, { next_at: now + ms });
    if (now - Date.parse(row.created_at) > TTL_MS) {
      await update(row.id, { state: 'expired', error: 'no PR within 7 days' });
      return;
    }
    // Slack with a bot token: the start message in the channel first; its ts is the thread every reply goes to.
    if (target.kind === 'slack' && !target.started) {
      const who = target.userId ? `<@${target.userId}> asked Jules: ` : 'Jules was asked: ';
      const start = `${who}${slackEscape(target.prompt)}\nI'll reply in this thread when there is a pull request.`;
      target.started = true;
      if (target.channel && endpoint.reply.token) {
        try {
          target.threadTs = await slackPost(endpoint, target.channel, start);
        } catch (err) {
          log.warn({ err: (err as Error).message, followupId: row.id }, 'Slack start message not posted; replies go to the response_url');
        }
      }
      await update(row.id, { target: JSON.stringify(target) });
    }
    let sessionId = row.session_id;
    if (!sessionId && row.batch_id) {
      const batch = await deps.batches.get(row.workspace_id, row.batch_id).catch(() => null);
      const item = batch?.items[0];
      if (item?.sessionId) {
        sessionId = item.sessionId;
        await update(row.id, { session_id: sessionId });
      } else if (item && (item.state === 'failed' || item.state === 'cancelled')) {
        const why = `The Jules session could not be started: ${item.error ?? item.state}`;
        await send(endpoint, row, target, { slack: slackEscape(why), linear: why }, 'done', null);
        return;
      } else {
        await later(3_000);
        return;
      }
    }
    if (!sessionId) {
      await update(row.id, { state: 'failed', error: 'no batch and no session' });
      return;
    }
    const s = await deps.sessions.get(row.workspace_id, sessionId).catch(() => null);
    if (!s) {
      await later(15_000);
      return;
    }
    const pr = s.prUrl ?? (await deps.pulls.forSession(row.workspace_id, s.id).catch(() => []))[0]?.htmlUrl ?? null;
    const link = sessionLink(s.id);
    if (pr) {
      const what = target.kind === 'linear_comment' && target.identifier ? ` for ${target.identifier}` : '';
      await send(endpoint, row, target, {
        slack: `Jules opened a pull request${what}: <${pr}>${link ? ` (session: <${link}>)` : ''}`,
        linear: `Jules opened a pull request${what}: ${pr}${link ? `\n\nSession: ${link}` : ''}`,
      }, 'sent', pr);
      return;
    }
    if (DONE_STATES.has(s.state)) {
      const why = s.state === 'FAILED' ? 'The Jules session failed without a pull request.' : 'The Jules session finished without a pull request.';
      await send(endpoint, row, target, { slack: `${why}${link ? ` <${link}>` : ''}`, linear: `${why}${link ? `\n\nSession: ${link}` : ''}` }, 'done', null);
      return;
    }
    await later(15_000);
  }

  async function send(endpoint: EndpointView, row: HookFollowupsTable, target: FollowupTarget, text: { slack: string; linear: string }, state: 'sent' | 'done', prUrl: string | null) {
    try {
      await reply(endpoint, row, target, text);
      await update(row.id, { state, pr_url: prUrl, error: null, attempts: Number(row.attempts) + 1 });
      log.info({ workspaceId: row.workspace_id, followupId: row.id, kind: row.kind, state }, 'webhook reply sent');
    } catch (err) {
      const attempts = Number(row.attempts) + 1;
      const error = (err as Error).message.slice(0, 500);
      if (attempts >= MAX_ATTEMPTS) {
        await update(row.id, { state: 'failed', attempts, error });
        await deps.inbox.raise(row.workspace_id, {
          id: `followup:${row.id}`, source: 'hooks', kind: 'reply_failed', severity: 'warning', title: `A reply to ${target.kind === 'linear_comment' ? 'Linear' : 'Slack'} could not be sent`,
          body: `${attempts} attempts on endpoint "${endpoint.name}"; the last error: ${error}`, sessionId: row.session_id, links: [{ label: 'Endpoint', href: `/webhooks/${endpoint.id}` }],
        });
        return;
      }
      // Exponential backoff from 30 s, at most an hour.
      await update(row.id, { attempts, error, next_at: clock.now() + Math.min(3_600_000, 30_000 * 2 ** (attempts - 1)) });
    }
  }

  /**
   * Sessions with a reply waiting, as of this instance's last tick: a session event nudges only these (a write per
   * event for every session of a busy fleet would be all cost; a session missing here is found by the next poll).
   */
  let waitingSessions = new Set<string>();

  /** Claims and works the rows due now (at most 50 per call); returns how many it handled. */
  async function runDue(): Promise<number> {
    const now = clock.now();
    const waiting = await k.selectFrom('hook_followups').select('session_id').where('state', '=', 'waiting').where('session_id', 'is not', null).limit(5_000).execute();
    waitingSessions = new Set(waiting.map((r) => r.session_id as string));
    const due = await k.selectFrom('hook_followups').selectAll().where('state', '=', 'waiting').where('next_at', '<=', now).orderBy('next_at').limit(50).execute();
    let n = 0;
    for (const row of due) {
      const claimed = await k.updateTable('hook_followups').set({ next_at: now + LEASE_MS }).where('id', '=', row.id).where('state', '=', 'waiting').where('next_at', '=', row.next_at).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      const endpoint = await endpointOf(row.endpoint_id);
      if (!endpoint) {
        await update(row.id, { state: 'failed', error: 'the endpoint was deleted' });
        continue;
      }
      try {
        await step({ ...row, next_at: now + LEASE_MS }, endpoint);
      } catch (err) {
        log.warn({ err, followupId: row.id }, 'follow-up step failed; retried after its lease');
      }
      n++;
    }
    return n;
  }

  // A session that changed may have its PR now: look at its follow-ups at once instead of at their next poll.
  const nudge = (sessionId: string) => {
    if (!waitingSessions.has(sessionId)) return;
    const now = clock.now();
    void k
      .updateTable('hook_followups')
      .set({ next_at: now })
      .where('session_id', '=', sessionId)
      .where('state', '=', 'waiting')
      .where('next_at', '>', now)
      .where('next_at', '<=', now + NUDGE_WINDOW_MS)
      .execute()
      .catch((err: unknown) => log.warn({ err }, 'follow-up nudge failed'));
  };
  let unsubscribe: (() => void) | null = null;
  const loop = intervalLoop('hooks.followups', deps.followupPollMs ?? 2_000, async () => void (await runDue()), log, { clock });
  const loops: Loop[] = [
    {
      name: loop.name,
      status: () => loop.status(),
      start: () => {
        unsubscribe ??= deps.bus.subscribe((e) => {
          if (e.type === 'session.updated') nudge(e.data.id);
          else if (e.type === 'github.pull.updated' && e.data.sessionId) nudge(e.data.sessionId);
        });
        return loop.start();
      },
      stop: async () => {
        unsubscribe?.();
        unsubscribe = null;
        await loop.stop();
      },
    },
  ];

  return {
    runDue,
    loops,
    /**
     * Records the reply a launch owes (once per delivery row and rule: the row id is derived from both, so running
     * the rule again after a crash owes nothing new). Returns a note for the action's detail.
     */
    async owe(endpoint: EndpointView, d: StoredDelivery, rule: HookRule, batchId: string, target: FollowupTarget): Promise<string> {
      if (target.kind === 'linear_comment' && !endpoint.reply.token) return '; no Linear comment: the endpoint has no Linear API key';
      if (target.kind === 'slack' && !target.responseUrl && !endpoint.reply.token) return '; no Slack reply: no response_url and no bot token';
      const now = clock.now();
      const id = `fu_${sha256(`${d.id}:${rule.id}`).slice(0, 32)}`;
      await k
        .insertInto('hook_followups')
        .values({
          id, workspace_id: d.workspaceId, endpoint_id: endpoint.id, delivery_row_id: d.id, kind: target.kind, target: JSON.stringify(target), batch_id: batchId, session_id: null,
          state: 'waiting', pr_url: null, attempts: 0, next_at: now, error: null, created_at: iso(clock), updated_at: iso(clock),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return target.kind === 'linear_comment' ? '; a Linear comment follows with the PR' : '; a Slack reply follows with the PR';
    },
    /** An answer now (a usage error): ephemeral on the response_url, else in the channel with the bot token. */
    async say(endpoint: EndpointView, _d: StoredDelivery, _rule: HookRule, target: FollowupTarget, text: string): Promise<void> {
      if (target.kind !== 'slack') return;
      try {
        if (target.responseUrl) await slackRespond(target.responseUrl, slackEscape(text), true);
        else if (target.channel && endpoint.reply.token) await slackPost(endpoint, target.channel, slackEscape(text));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'Slack answer not sent');
      }
    },
  };
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { GitHubWebhook, PutGitHubWebhookBody } from '@autopilot/contracts';
import { iso, type Clock } from '../../platform/clock';
import { randomToken, type SecretBox } from '../../platform/crypto';
import { notFound } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { GitHubWebhooksTable } from '../../platform/db/schema.github';
import type { PullsStore } from './pulls.store';
import type { PullsServiceImpl } from './pulls.service';
import type { PullChange } from './pulls.types';

/** Deliveries within this long keep polling in fallback mode (x10 slower). */
export const WEBHOOK_FRESH_MS = 3_600_000;
/** Accepted delivery ids are kept this long (GitHub redelivers within days, not weeks). */
export const DELIVERY_KEEP_MS = 7 * 24 * 3_600_000;
/** A webhook refresh waits this long at most for a spent rate limit; past it, the poller catches up. */
const WEBHOOK_WAIT_MS = 5_000;
const EVENTS = new Set(['pull_request', 'pull_request_review', 'check_run', 'check_suite', 'status', 'workflow_run']);

export interface WebhookDeps {
  store: PullsStore;
  secrets: SecretBox;
  clock: Clock;
  log: Logger;
  service: PullsServiceImpl;
  publicUrl?: string;
}

export type WebhookAnswer = { status: 200 | 400 | 401; body: Record<string, unknown> };

const UNAUTHORIZED: WebhookAnswer = { status: 401, body: { error: { code: 'unauthorized', message: 'Missing or invalid X-Hub-Signature-256' } } };
const bad = (message: string, path: string): WebhookAnswer => ({ status: 400, body: { error: { code: 'bad_request', message, details: { issues: [{ path, message }] } } } });

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
const text = (v: unknown, max: number): string | null => (typeof v === 'string' ? v.slice(0, max) : null);

/** The webhook: payload URL and secret (sealed, write-only), the signed ingest, its counters and the replay guard. */
export function createWebhooks(deps: WebhookDeps) {
  const { store, secrets, clock, log } = deps;

  function view(workspaceId: string, row: GitHubWebhooksTable | undefined): GitHubWebhook {
    const fresh = !!row?.last_delivery_at && clock.now() - Date.parse(row.last_delivery_at) < WEBHOOK_FRESH_MS;
    return {
      url: `${deps.publicUrl ?? ''}/hooks/github/${workspaceId}`,
      secretSet: !!row,
      secretLast4: row?.secret_last4 ?? null,
      lastDeliveryAt: row?.last_delivery_at ?? null,
      deliveries: Number(row?.deliveries ?? 0),
      rejected: Number(row?.rejected ?? 0),
      polling: fresh ? 'fallback' : 'primary',
    };
  }

  /** The signature GitHub sends: `sha256=` and the hex HMAC of the exact body; compared in constant time. */
  function signed(secret: string, body: Buffer, header: string | undefined): boolean {
    if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
    const want = createHmac('sha256', secret).update(body).digest();
    const got = Buffer.from(header.slice(7), 'hex');
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The PRs an event is about: its pull request, the PRs a check names, or the stored PRs on the head commit. */
  async function affected(workspaceId: string, event: string, p: Obj): Promise<{ repo: string; numbers: number[] } | null> {
    const repo = text(obj(p.repository).full_name, 201);
    if (!repo || !/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(repo)) return null;
    const numbers = new Set<number>();
    let sha: string | null = null;
    if (event === 'pull_request' || event === 'pull_request_review') {
      const n = num(obj(p.pull_request).number) ?? num(p.number);
      if (n) numbers.add(n);
    } else if (event === 'status') {
      sha = text(p.sha, 100);
    } else {
      const item = obj(p[event]);
      sha = text(item.head_sha, 100);
      for (const pr of Array.isArray(item.pull_requests) ? item.pull_requests.slice(0, 50) : []) {
        const n = num(obj(pr).number);
        if (n) numbers.add(n);
      }
    }
    if (sha) for (const r of await store.byHeadSha(workspaceId, repo, sha)) numbers.add(r.number);
    return { repo, numbers: [...numbers] };
  }

  const reviewOf = (p: Obj): PullChange['review'] | undefined => {
    const r = obj(p.review);
    const id = num(r.id);
    if (!id) return undefined;
    return { id, state: (text(r.state, 40) ?? '').toLowerCase(), author: text(obj(r.user).login, 100), body: text(r.body, 20_000) ?? '', submittedAt: text(r.submitted_at, 40) };
  };

  return {
    async get(workspaceId: string): Promise<GitHubWebhook> {
      return view(workspaceId, await store.webhook(workspaceId));
    },
    /** Stores the secret sealed (a generated one is answered once); counters are kept across a change of secret. */
    async put(workspaceId: string, body: PutGitHubWebhookBody): Promise<GitHubWebhook & { secret: string | null }> {
      const generated = body.secret === undefined ? randomToken(32) : null;
      const secret = body.secret ?? (generated as string);
      const now = iso(clock);
      await store.putWebhook({ workspace_id: workspaceId, secret_sealed: secrets.encrypt(secret), secret_last4: secret.slice(-4), created_at: now, updated_at: now, last_delivery_at: null, deliveries: 0, rejected: 0 });
      log.info({ workspaceId, generated: generated !== null }, 'GitHub webhook secret saved');
      return { ...view(workspaceId, await store.webhook(workspaceId)), secret: generated };
    },
    async remove(workspaceId: string): Promise<GitHubWebhook> {
      if (!(await store.removeWebhook(workspaceId))) throw notFound('GitHub webhook');
      return view(workspaceId, undefined);
    },
    /** True while webhooks feed the workspace (a delivery within the last hour): polling slows down. */
    async fresh(workspaceId: string): Promise<boolean> {
      return view(workspaceId, await store.webhook(workspaceId)).polling === 'fallback';
    },
    prune: () => store.pruneDeliveries(clock.now() - DELIVERY_KEEP_MS),

    /**
     * One delivery. The signature is the authentication: an unknown workspace, no secret, a missing or wrong
     * signature are the same 401. A delivery id seen before is answered `duplicate` and not processed again.
     */
    async receive(workspaceId: string, headers: { signature?: string; event?: string; delivery?: string }, body: Buffer): Promise<WebhookAnswer> {
      const row = await store.webhook(workspaceId).catch(() => undefined);
      let secret: string | null = null;
      if (row) {
        try {
          secret = secrets.decrypt(row.secret_sealed);
        } catch {
          secret = null;
        }
      }
      if (!row || secret === null || !signed(secret, body, headers.signature)) {
        if (row) await store.countRejected(workspaceId);
        return UNAUTHORIZED;
      }
      const event = (headers.event ?? '').slice(0, 100);
      const delivery = (headers.delivery ?? '').slice(0, 200);
      if (!event) return bad('X-GitHub-Event is required', 'header.x-github-event');
      if (!delivery) return bad('X-GitHub-Delivery is required', 'header.x-github-delivery');
      let payload: Obj;
      try {
        payload = obj(JSON.parse(body.toString('utf8')));
      } catch {
        return bad('The body is not JSON', 'body');
      }
      if (!(await store.claimDelivery(workspaceId, delivery, event, clock.now()))) return { status: 200, body: { ok: true, duplicate: true } };
      await store.countDelivery(workspaceId, iso(clock));
      if (event === 'ping' || !EVENTS.has(event)) return { status: 200, body: { ok: true, event, refreshed: 0 } };

      const target = await affected(workspaceId, event, payload);
      let refreshed = 0;
      const via = { kind: 'webhook' as const, event, deliveryId: delivery };
      const review = event === 'pull_request_review' ? reviewOf(payload) : undefined;
      for (const n of target?.numbers ?? []) {
        try {
          // The payload only says what to read: the PR is read back through the client, never taken from the body.
          if (await deps.service.refreshWith(workspaceId, target!.repo, n, { via, review, maxWaitMs: WEBHOOK_WAIT_MS })) refreshed++;
        } catch (err) {
          log.warn({ err, workspaceId, repo: target!.repo, number: n, event }, 'webhook refresh failed; the poller will catch up');
          const stored = await store.byNumber(workspaceId, target!.repo, n);
          if (stored) await store.updatePull(workspaceId, stored.id, { next_poll_at: 0 });
        }
      }
      return { status: 200, body: { ok: true, event, refreshed } };
    },
  };
}
export type Webhooks = ReturnType<typeof createWebhooks>;

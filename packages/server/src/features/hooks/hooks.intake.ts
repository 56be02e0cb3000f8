import { randomBytes } from 'node:crypto';
import { runAs } from '../../platform/actor';
import type { HookActionResult, HookPreset, HookRule } from '@autopilot/contracts';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { iso } from '../../platform/clock';
import type { HookDeliveriesTable, HookEndpointsTable } from '../../platform/db/schema.events';
import { redactHeaders, redactPayload } from './hooks.redact';
import type { HooksStore } from './hooks.store';
import type { EndpointView, HooksFeatureDeps, RuleRunner, StoredDelivery } from './hooks.types';
import { bodyHash, verify } from './hooks.verify';

/** How long one instance holds a delivery it processes; past it (a crash), the recovery loop takes the row. */
export const PROCESS_LEASE_MS = 60_000;
/** The public receiver reads at most this much. */
export const HOOK_BODY_LIMIT = 1024 * 1024;

export type IntakeAnswer = { status: 200 | 202 | 400 | 401 | 404 | 429; body: Record<string, unknown>; headers?: Record<string, string> };

const UNAUTHORIZED: IntakeAnswer = { status: 401, body: { error: { code: 'unauthorized', message: 'Missing or invalid webhook signature' } } };
const NOT_FOUND: IntakeAnswer = { status: 404, body: { error: { code: 'not_found', message: 'No such webhook endpoint' } } };
export const newDeliveryRowId = () => `hd_${randomBytes(12).toString('hex')}`;

/** The endpoint as the runner sees it (rules parsed, the reply token opened). */
export function endpointView(row: HookEndpointsTable, open: (sealed: string) => string): EndpointView {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    preset: row.preset as HookPreset,
    mode: row.mode === 'all' ? 'all' : 'first',
    rules: JSON.parse(row.rules) as HookRule[],
    reply: { apiUrl: row.reply_api_url, token: row.reply_token_sealed ? open(row.reply_token_sealed) : null },
  };
}

export function storedDelivery(row: HookDeliveriesTable): StoredDelivery {
  return {
    id: row.id, workspaceId: row.workspace_id, endpointId: row.endpoint_id, deliveryId: row.delivery_id, replayOf: row.replay_of, event: row.event,
    headers: JSON.parse(row.headers) as Record<string, string>, payload: JSON.parse(row.payload) as unknown, receivedAt: row.received_at,
  };
}

/**
 * The public side: `POST /hooks/{id}` verified by preset, deduplicated by the sender's delivery id, stored redacted,
 * answered at once and processed after the answer under a lease; `processPending` runs rows a crash left behind.
 */
export function createIntake(deps: HooksFeatureDeps, store: HooksStore, runner: RuleRunner) {
  const { clock, log, bus, secrets } = deps;
  const limiter = new RateLimiterMemory({ points: Math.max(1, deps.ratePerMinute), duration: 60, keyPrefix: 'hooks' });
  const inFlight = new Set<Promise<void>>();
  const received = deps.metrics?.counter('autopilot_hook_deliveries_total', 'Inbound webhook deliveries by preset and outcome (accepted, duplicate, rejected, rate_limited, malformed)', ['preset', 'outcome']);
  const count = (preset: string, outcome: string) => received?.inc({ preset, outcome });

  async function process(id: string): Promise<void> {
    const row = await store.deliveryById(id);
    if (!row || row.status !== 'queued') return;
    const endpoint = await store.endpoint(row.endpoint_id);
    if (!endpoint) return;
    let outcome: { status: 'processed' | 'no_match' | 'failed'; matched: string[]; results: HookActionResult[]; error: string | null };
    try {
      // What the rules do (launches, LLM calls) is attributed to the webhook endpoint (issue #16).
      const r = await runAs({ kind: 'webhook', id: endpoint.id, name: endpoint.name }, () => runner.run(endpointView(endpoint, secrets.decrypt), storedDelivery(row)));
      outcome = { ...r, error: r.status === 'failed' ? (r.results.find((x) => x.outcome === 'failed')?.detail ?? 'an action failed') : null };
    } catch (err) {
      log.warn({ err, deliveryId: id }, 'hook delivery failed');
      outcome = { status: 'failed', matched: [], results: [], error: err instanceof Error ? err.message.slice(0, 1000) : 'failed' };
    }
    await store.finish(id, { status: outcome.status, matched: JSON.stringify(outcome.matched), results: JSON.stringify(outcome.results), error: outcome.error, processed_at: iso(clock) });
    await bus.publish('hook.delivery', row.workspace_id, { id, endpointId: row.endpoint_id, status: outcome.status, matched: outcome.matched });
  }

  /** Runs a row this instance holds, after the answer; tracked so tests (and shutdown) can wait for it. */
  function later(id: string): void {
    const p: Promise<void> = process(id)
      .catch((err: unknown) => log.warn({ err, deliveryId: id }, 'hook processing failed; the recovery loop retries once the lease expires'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  /** Stores one verified delivery (claimed by this instance) and schedules it; false when it is a duplicate. */
  async function enqueue(row: Omit<HookDeliveriesTable, 'id' | 'status' | 'matched' | 'results' | 'error' | 'processed_at' | 'lease_until'>): Promise<string | null> {
    const id = newDeliveryRowId();
    const inserted = await store.insertDelivery({ ...row, id, status: 'queued', matched: '[]', results: '[]', error: null, processed_at: null, lease_until: clock.now() + PROCESS_LEASE_MS });
    if (!inserted) return null;
    await bus.publish('hook.delivery', row.workspace_id, { id, endpointId: row.endpoint_id, status: 'queued', matched: [] });
    later(id);
    return id;
  }

  return {
    enqueue,
    async receive(endpointId: string, rawHeaders: Record<string, string>, raw: Buffer): Promise<IntakeAnswer> {
      const endpoint = /^hk_[A-Za-z0-9]{1,64}$/.test(endpointId) ? await store.endpoint(endpointId) : undefined;
      if (!endpoint || !endpoint.enabled) return NOT_FOUND;
      try {
        await limiter.consume(endpoint.id);
      } catch (res) {
        count(endpoint.preset, 'rate_limited');
        const wait = res instanceof RateLimiterRes ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 60;
        return { status: 429, body: { error: { code: 'rate_limited', message: `Too many deliveries to this endpoint; retry in ${wait} s` } }, headers: { 'Retry-After': String(wait) } };
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(rawHeaders)) headers[k.toLowerCase()] = v;
      let secret: string;
      try {
        secret = secrets.decrypt(endpoint.secret_sealed);
      } catch {
        await store.countRejected(endpoint.id);
        count(endpoint.preset, 'rejected');
        return UNAUTHORIZED;
      }
      const v = verify(endpoint.preset as HookPreset, secret, headers, raw, clock.now());
      if (v.ok === false) {
        await store.countRejected(endpoint.id);
        count(endpoint.preset, 'rejected');
        log.info({ endpointId: endpoint.id, reason: v.reason }, 'webhook delivery refused');
        return UNAUTHORIZED;
      }
      if (v.ok === 'malformed') count(endpoint.preset, 'malformed');
      if (v.ok === 'malformed') return { status: 400, body: { error: { code: 'bad_request', message: v.message, details: { issues: [{ path: 'body', message: v.message }] } } } };
      if (v.challenge !== undefined) return { status: 200, body: { challenge: v.challenge } };
      const now = iso(clock);
      const id = await enqueue({
        workspace_id: endpoint.workspace_id, endpoint_id: endpoint.id, delivery_id: (v.deliveryId || bodyHash(raw)).slice(0, 200), replay_of: null, event: v.event,
        headers: JSON.stringify(redactHeaders(headers)), payload: JSON.stringify(redactPayload(v.payload)), received_at: now,
      });
      count(endpoint.preset, id === null ? 'duplicate' : 'accepted');
      if (id === null) return { status: 200, body: { duplicate: true } };
      await store.countAccepted(endpoint.id, now);
      const p = v.payload as Record<string, unknown> | null;
      if (endpoint.preset === 'slack' && p && typeof p.command === 'string') return { status: 200, body: { response_type: 'ephemeral', text: 'Starting a Jules session…' } };
      return { status: 202, body: { id } };
    },
    /** Processes queued rows whose lease expired (a crashed instance's); returns how many this call ran. */
    async processPending(): Promise<number> {
      let n = 0;
      for (const id of await store.pendingIds(clock.now(), 100)) {
        if (!(await store.claim(id, clock.now(), PROCESS_LEASE_MS))) continue;
        await process(id);
        n++;
      }
      return n;
    },
    /** Waits for deliveries being processed after their answer. */
    async idle(): Promise<void> {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
export type Intake = ReturnType<typeof createIntake>;

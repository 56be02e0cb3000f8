import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppEvent, Channel, ChannelDelivery, ChannelFilters, ChannelSaved, ChannelTestResult, CreateChannelBody, UpdateChannelBody } from '@autopilot/contracts';
import { iso } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import { badRequest, notFound } from '../../platform/errors';
import { OutboundUrlRejected } from '../../platform/outbound';
import type { ChannelsFeatureDeps } from './channels.types';
import { createSender, type ChannelConfig } from './channels.deliver';
import { DEFAULT_FILTERS, matches } from './channels.filters';
import { maskUrl } from './channels.format';
import { nextAttemptAt } from './channels.schedule';
import { createChannelsStore, type ChannelRow, type DeliveryRow } from './channels.store';

const LEASE_MS = 60_000;
const CACHE_MS = 5_000;
const page = cursorCodec(z.object({ c: z.string(), i: z.string() }));
const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('base64url')}`;
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export function createChannelsService(deps: ChannelsFeatureDeps & { random?: () => number }) {
  const store = createChannelsStore(deps.db);
  const sender = createSender(deps);
  const random = deps.random ?? Math.random;
  const cache = new Map<string, { at: number; rows: Promise<ChannelRow[]> }>();
  const invalidate = (ws: string) => cache.delete(ws);

  function view(row: ChannelRow, pending: number): Channel {
    return {
      id: row.id, name: row.name, kind: row.kind as Channel['kind'], enabled: row.enabled === 1, disabledReason: row.disabled_reason, target: row.target,
      filters: JSON.parse(row.filters) as ChannelFilters, secretLast4: row.secret_last4, delivered: row.delivered, failed: row.failed, pending,
      consecutiveFailures: row.consecutive_failures, lastDeliveryAt: row.last_delivery_at, createdAt: row.created_at, updatedAt: row.updated_at,
    };
  }
  const configOf = (row: ChannelRow): ChannelConfig => ({ kind: row.kind, ...JSON.parse(deps.secrets.decrypt(row.config_sealed)) }) as ChannelConfig;
  const seal = (c: ChannelConfig) => { const { kind: _k, ...rest } = c; return deps.secrets.encrypt(JSON.stringify(rest)); };
  const targetOf = (c: ChannelConfig) => (c.kind === 'email' ? c.to.join(', ') : c.kind === 'slack' ? maskUrl(c.url) : c.url);

  async function checkUrl(url: string) {
    try {
      await deps.outbound.check(url);
    } catch (err) {
      if (err instanceof OutboundUrlRejected) throw badRequest(err.message, { field: 'url' });
      throw err;
    }
  }
  function requireSmtp() {
    if (!deps.smtp) throw badRequest('E-mail channels need SMTP_URL to be configured on the server', [{ path: 'body.kind', message: 'email needs SMTP_URL' }]);
  }
  async function load(ws: string, id: string) {
    const row = await store.channel(ws, id);
    if (!row) throw notFound('Channel', id);
    return row;
  }
  async function one(ws: string, id: string) {
    const row = await load(ws, id);
    return view(row, (await store.pendingCounts([id])).get(id) ?? 0);
  }
  async function deliveryView(row: DeliveryRow): Promise<ChannelDelivery> {
    const attempts = await store.attempts(row.id);
    return {
      ...summaryOf(row), payload: JSON.parse(row.payload) as unknown,
      attemptLog: attempts.map((a) => ({ n: a.n, at: a.at, statusCode: a.status_code, ok: a.ok === 1, durationMs: a.duration_ms, error: a.error, manual: a.manual === 1 })),
    };
  }
  const summaryOf = (row: DeliveryRow) => ({
    id: row.id, channelId: row.channel_id, eventId: row.event_id, eventType: row.event_type, status: row.status as ChannelDelivery['status'], attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at === null ? null : iso(Number(row.next_attempt_at)), lastError: row.last_error, createdAt: row.created_at, deliveredAt: row.delivered_at,
  });

  /** One attempt of a claimed delivery: log it, move the delivery on, apply the disable rule, publish. */
  async function attempt(row: DeliveryRow, manual: boolean): Promise<void> {
    const channel = await store.channelById(row.channel_id);
    if (!channel) return void (await store.finishDelivery(row.id, deps.instanceId, { status: 'cancelled', next_attempt_at: null }));
    const out = await sender.send(configOf(channel), row.id, JSON.parse(row.payload) as AppEvent);
    const now = deps.clock.now();
    const at = iso(now);
    const n = row.attempts + 1;
    await store.insertAttempt({ id: newId('att_'), workspace_id: row.workspace_id, delivery_id: row.id, channel_id: row.channel_id, n, at, status_code: out.statusCode, ok: out.ok ? 1 : 0, duration_ms: out.durationMs, error: out.error, manual: manual ? 1 : 0 });
    let status: 'pending' | 'delivered' | 'failed' = 'delivered';
    if (out.ok) {
      await store.finishDelivery(row.id, deps.instanceId, { status, attempts: n, next_attempt_at: null, last_error: null, delivered_at: at });
      await store.recordSuccess(channel.id, at);
    } else {
      await store.recordFailure(channel.id, at);
      const next = row.status === 'failed' ? null : nextAttemptAt(now, n, random);
      status = next === null ? 'failed' : 'pending';
      await store.finishDelivery(row.id, deps.instanceId, { status, attempts: n, next_attempt_at: next, last_error: out.error });
      if (next === null && row.status === 'pending') await gaveUp(channel.id, row);
    }
    invalidate(row.workspace_id);
    await deps.bus.publish('channel.delivery', row.workspace_id, { id: row.id, channelId: row.channel_id, eventType: row.event_type, status, attempts: n, error: out.error });
  }

  /** A delivery gave up: when the channel has had no success since its first failure (at or before this delivery's first attempt), disable it. */
  async function gaveUp(channelId: string, row: DeliveryRow) {
    await store.recordGaveUp(channelId);
    const channel = await store.channelById(channelId);
    const first = (await store.attempts(row.id))[0];
    if (!channel || !channel.first_failure_at || !first || channel.first_failure_at > first.at) return;
    const reason = `Disabled after every attempt of delivery ${row.id} failed (${row.last_error ?? 'failed'}); no success since ${channel.first_failure_at}`;
    if (!(await store.disable(channelId, reason, iso(deps.clock.now())))) return;
    const closed = await store.closePending(channelId, 'failed', 'channel disabled');
    if (closed) await store.recordGaveUp(channelId, closed);
    invalidate(channel.workspace_id);
    await deps.inbox.raise(channel.workspace_id, {
      source: 'channel', kind: 'channel_disabled', severity: 'critical', title: `Channel "${channel.name}" was disabled`,
      body: `Every delivery attempt failed for about a day. ${closed} waiting deliveries were given up. Fix the receiver, then re-enable the channel.`,
      links: [{ label: 'Channel', href: `/channels/${channel.id}` }], groupKey: `channel_disabled:${channel.id}`,
    });
  }

  async function enabledFor(ws: string) {
    const hit = cache.get(ws);
    if (hit && deps.clock.now() - hit.at < CACHE_MS) return hit.rows;
    const rows = store.enabledChannels(ws);
    cache.set(ws, { at: deps.clock.now(), rows });
    rows.catch(() => invalidate(ws));
    return rows;
  }

  return {
    store,
    /** Bus events of a workspace → a delivery per matching enabled channel (the first instance to insert wins). Channel events themselves are not fanned out (no feedback loop). */
    async fanOut(event: AppEvent): Promise<number> {
      if (!event.workspaceId || event.type.startsWith('channel.')) return 0;
      let made = 0;
      for (const ch of await enabledFor(event.workspaceId)) {
        if (!matches(JSON.parse(ch.filters) as ChannelFilters, event)) continue;
        const now = deps.clock.now();
        const inserted = await store.insertDelivery({
          id: newId('msg_'), workspace_id: event.workspaceId, channel_id: ch.id, event_id: event.id, event_type: event.type, payload: JSON.stringify(event),
          status: 'pending', attempts: 0, next_attempt_at: now, lease_until: 0, leased_by: null, last_error: null, created_at: iso(now), delivered_at: null,
        });
        if (inserted) made++;
      }
      return made;
    },
    async runDue(): Promise<number> {
      let done = 0;
      for (;;) {
        const now = deps.clock.now();
        const due = await store.dueIds(now, 20);
        let claimed = 0;
        for (const { id } of due) {
          if (!(await store.claim(id, now, now + LEASE_MS, deps.instanceId))) continue;
          const row = await store.deliveryById(id);
          if (!row) continue;
          claimed++;
          await attempt(row, false);
          done++;
        }
        if (due.length < 20 || claimed === 0) return done;
      }
    },
    async list(ws: string, q: { limit: number; cursor?: string }) {
      const after = page.decode(q.cursor);
      const rows = await store.listChannels(ws, q.limit + 1, after && { createdAt: after.c, id: after.i });
      const items = rows.slice(0, q.limit);
      const pending = await store.pendingCounts(items.map((r) => r.id));
      const last = items.at(-1);
      return { items: items.map((r) => view(r, pending.get(r.id) ?? 0)), nextCursor: rows.length > q.limit && last ? page.encode({ c: last.created_at, i: last.id }) : null };
    },
    get: one,
    async create(ws: string, body: CreateChannelBody): Promise<ChannelSaved> {
      let config: ChannelConfig;
      let shown: string | null = null;
      if (body.kind === 'email') {
        requireSmtp();
        config = { kind: 'email', to: body.to };
      } else {
        await checkUrl(body.url);
        if (body.kind === 'webhook') {
          shown = body.secret ? null : newSecret();
          config = { kind: 'webhook', url: body.url, secret: body.secret ?? shown! };
        } else config = { kind: 'slack', url: body.url };
      }
      const at = iso(deps.clock.now());
      const id = newId('chn_');
      await store.insertChannel({
        id, workspace_id: ws, name: body.name, kind: body.kind, enabled: 1, disabled_reason: null, config_sealed: seal(config), target: targetOf(config),
        filters: JSON.stringify(body.filters ?? DEFAULT_FILTERS), secret_last4: config.kind === 'webhook' ? config.secret.slice(-4) : null, consecutive_failures: 0,
        first_failure_at: null, delivered: 0, failed: 0, last_delivery_at: null, created_at: at, updated_at: at,
      });
      invalidate(ws);
      return { ...(await one(ws, id)), secret: shown };
    },
    async update(ws: string, id: string, body: UpdateChannelBody): Promise<Channel> {
      const row = await load(ws, id);
      const patch: Partial<ChannelRow> = { updated_at: iso(deps.clock.now()) };
      if (body.name !== undefined) patch.name = body.name;
      if (body.filters !== undefined) patch.filters = JSON.stringify(body.filters);
      if (body.enabled === true) Object.assign(patch, { enabled: 1, disabled_reason: null, consecutive_failures: 0, first_failure_at: null });
      if (body.enabled === false) patch.enabled = 0;
      if (body.url !== undefined || body.to !== undefined) {
        const config = configOf(row);
        if (body.url !== undefined) {
          if (config.kind === 'email') throw badRequest('An e-mail channel has recipients, not a URL', { field: 'url' });
          await checkUrl(body.url);
          config.url = body.url;
        }
        if (body.to !== undefined) {
          if (config.kind !== 'email') throw badRequest('Only e-mail channels have recipients', { field: 'to' });
          config.to = body.to;
        }
        Object.assign(patch, { config_sealed: seal(config), target: targetOf(config) });
      }
      await store.updateChannel(ws, id, patch);
      invalidate(ws);
      return one(ws, id);
    },
    async remove(ws: string, id: string) {
      await load(ws, id);
      await store.closePending(id, 'cancelled', 'channel deleted');
      await store.deleteChannel(ws, id);
      invalidate(ws);
    },
    async rotateSecret(ws: string, id: string, body: { secret?: string }): Promise<ChannelSaved> {
      const row = await load(ws, id);
      const config = configOf(row);
      if (config.kind !== 'webhook') throw badRequest('Only webhook channels have a signing secret', { field: 'id' });
      const shown = body.secret ? null : newSecret();
      config.secret = body.secret ?? shown!;
      await store.updateChannel(ws, id, { config_sealed: seal(config), secret_last4: config.secret.slice(-4), updated_at: iso(deps.clock.now()) });
      return { ...(await one(ws, id)), secret: shown };
    },
    async test(ws: string, id: string): Promise<ChannelTestResult> {
      const row = await load(ws, id);
      const now = deps.clock.now();
      const data = { channelId: id, message: `A test from Jules Autopilot to "${row.name}"` };
      const published = await deps.bus.publish('channel.test', ws, data);
      const msgId = newId('msg_');
      await store.insertDelivery({
        id: msgId, workspace_id: ws, channel_id: id, event_id: published.id, event_type: 'channel.test', payload: JSON.stringify(published), status: 'pending',
        attempts: 0, next_attempt_at: null, lease_until: now + LEASE_MS, leased_by: deps.instanceId, last_error: null, created_at: iso(now), delivered_at: null,
      });
      const out = await sender.send(configOf(row), msgId, published);
      const at = iso(deps.clock.now());
      await store.insertAttempt({ id: newId('att_'), workspace_id: ws, delivery_id: msgId, channel_id: id, n: 1, at, status_code: out.statusCode, ok: out.ok ? 1 : 0, duration_ms: out.durationMs, error: out.error, manual: 1 });
      await store.finishDelivery(msgId, deps.instanceId, { status: out.ok ? 'delivered' : 'failed', attempts: 1, last_error: out.error, delivered_at: out.ok ? at : null });
      return { ok: out.ok, statusCode: out.statusCode, durationMs: out.durationMs, error: out.error };
    },
    async deliveries(ws: string, id: string, q: { limit: number; cursor?: string; status?: string }) {
      await load(ws, id);
      const before = page.decode(q.cursor);
      const rows = await store.listDeliveries(ws, id, q.limit + 1, q.status, before && { createdAt: before.c, id: before.i });
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return { items: items.map(summaryOf), nextCursor: rows.length > q.limit && last ? page.encode({ c: last.created_at, i: last.id }) : null };
    },
    async delivery(ws: string, id: string) {
      const row = await store.delivery(ws, id);
      if (!row) throw notFound('Delivery', id);
      return deliveryView(row);
    },
    /** A manual attempt now (same webhook-id); a failed delivery that fails again stays failed. */
    async retry(ws: string, id: string) {
      const row = await store.delivery(ws, id);
      if (!row) throw notFound('Delivery', id);
      if (row.status !== 'pending' && row.status !== 'failed') throw badRequest(`A ${row.status} delivery cannot be retried`, { field: 'id' });
      const now = deps.clock.now();
      if (!(await store.claim(id, now, now + LEASE_MS, deps.instanceId, { manual: true }))) throw badRequest('This delivery is being attempted right now', { field: 'id' });
      await attempt(row, true);
      return deliveryView((await store.delivery(ws, id))!);
    },
    close: () => sender.close(),
  };
}
export type ChannelsServiceImpl = ReturnType<typeof createChannelsService>;

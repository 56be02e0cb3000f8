import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  SOURCE_PATTERN, type CreateHookEndpointBody, type HookDelivery, type HookEndpoint, type HookEndpointSaved, type HookPreset, type HookRule, type HookRuleInput, type HookRulesTestResult, type TestHookRulesBody, type UpdateHookEndpointBody,
} from '@autopilot/contracts';
import { iso } from '../../platform/clock';
import { cursorCodec } from '../../platform/cursor';
import type { HookDeliveriesTable, HookEndpointsTable } from '../../platform/db/schema.events';
import { AppError, badRequest, notFound } from '../../platform/errors';
import { intervalLoop, type Loop } from '../../platform/loops';
import { createIntake, endpointView } from './hooks.intake';
import { createHooksStore } from './hooks.store';
import type { HooksFeatureDeps, RuleRunner } from './hooks.types';

export interface HooksService {
  /** Runs queued deliveries whose processing lease expired (a crashed instance's); returns how many. */
  processPending(): Promise<number>;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Unguessable (the URL is public): 20 base62 characters, ~119 bits. */
export const newEndpointId = () => `hk_${[...randomBytes(20)].map((b) => BASE62[b % 62]).join('')}`;
export const generateSecret = (preset: HookPreset) => (preset === 'standard' ? `whsec_${randomBytes(24).toString('base64')}` : randomBytes(32).toString('hex'));
/** A Standard Webhooks secret must be base64 (optionally `whsec_`-prefixed) of at least 24 bytes to sign with. */
function checkSecret(preset: HookPreset, secret: string): void {
  if (preset !== 'standard') return;
  const b64 = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || Buffer.from(b64, 'base64').length < 24) {
    // A rule of the preset (said in words on HookPreset and on the secret), not of the schema: a plain 400.
    throw badRequest('A Standard Webhooks secret is whsec_ + base64 of at least 24 bytes', [{ path: 'body.secret', message: 'a Standard Webhooks secret is `whsec_` + base64 of at least 24 bytes' }]);
  }
}
const ruleId = () => `r_${randomBytes(6).toString('hex')}`;
const endpointCursor = cursorCodec(z.object({ createdAt: z.string(), id: z.string() }));
const deliveryCursor = cursorCodec(z.object({ receivedAt: z.string(), id: z.string() }));
/** How often an instance looks for deliveries a crash left queued. */
export const RECOVERY_INTERVAL_MS = 30_000;

const parse = <T>(text: string): T => JSON.parse(text) as T;

export const INVALID_RULES = 'Invalid rules: ';

/** Endpoints CRUD, the delivery log, replay and rule tests, around the intake. */
export function createHooksService(deps: HooksFeatureDeps, runner: RuleRunner) {
  const { clock, secrets, log } = deps;
  const store = createHooksStore(deps.db);
  const intake = createIntake(deps, store, runner);

  function withIds(rules: HookRuleInput[], path: string): HookRule[] {
    const issues = runner.validate(rules, path);
    // What the rule engine checks beyond the schema (JSONPath syntax, regex safety, variables used): a 400 whose
    // message starts the same always, naming each field.
    if (issues.length > 0) throw badRequest(`${INVALID_RULES}${issues[0].message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, issues);
    const seen = new Set<string>();
    return rules.map((r, i) => {
      const id = r.id ?? ruleId();
      if (seen.has(id)) throw new AppError('validation_failed', 'Invalid rules', [{ path: `${path}.${i}.id`, message: `duplicate rule id ${id}` }]);
      seen.add(id);
      return { ...r, id, enabled: r.enabled ?? true };
    });
  }

  function view(row: HookEndpointsTable): HookEndpoint {
    return {
      id: row.id, name: row.name, preset: row.preset as HookPreset, url: `${deps.publicUrl ?? ''}/hooks/${row.id}`, enabled: !!row.enabled, mode: row.mode === 'all' ? 'all' : 'first',
      rules: parse<HookRule[]>(row.rules), secretLast4: row.secret_last4,
      reply: { apiUrl: row.reply_api_url, tokenSet: row.reply_token_sealed !== null, tokenLast4: row.reply_token_last4 },
      deliveries: Number(row.deliveries), rejected: Number(row.rejected), lastDeliveryAt: row.last_delivery_at, createdAt: row.created_at, updatedAt: row.updated_at,
    };
  }
  const summary = (d: HookDeliveriesTable) => ({
    id: d.id, endpointId: d.endpoint_id, deliveryId: d.delivery_id, replayOf: d.replay_of, status: d.status as HookDelivery['status'], event: d.event,
    matched: parse<string[]>(d.matched), receivedAt: d.received_at, processedAt: d.processed_at,
  });
  const detail = (d: HookDeliveriesTable): HookDelivery => ({ ...summary(d), headers: parse(d.headers), payload: parse(d.payload), results: parse(d.results), error: d.error });

  async function mustEndpoint(ws: string, id: string) {
    const row = await store.endpointIn(ws, id);
    if (!row) throw notFound('Webhook endpoint', id);
    return row;
  }
  const replyPatch = (reply: CreateHookEndpointBody['reply']): Partial<HookEndpointsTable> => {
    if (!reply) return {};
    const out: Partial<HookEndpointsTable> = {};
    if (reply.apiUrl !== undefined) out.reply_api_url = reply.apiUrl;
    if (reply.token !== undefined) {
      out.reply_token_sealed = reply.token === null ? null : secrets.encrypt(reply.token);
      out.reply_token_last4 = reply.token === null ? null : reply.token.slice(-4);
    }
    return out;
  };

  const service = {
    processPending: () => intake.processPending(),
    idle: () => intake.idle(),
    receive: intake.receive,
    async list(ws: string, q: { limit: number; cursor?: string }) {
      const rows = await store.listEndpoints(ws, q.limit, endpointCursor.decode(q.cursor));
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return { items: page.map(view), nextCursor: rows.length > q.limit && last ? endpointCursor.encode({ createdAt: last.created_at, id: last.id }) : null };
    },
    get: async (ws: string, id: string) => view(await mustEndpoint(ws, id)),
    async create(ws: string, body: CreateHookEndpointBody): Promise<HookEndpointSaved> {
      if (body.rules === undefined && body.preset === 'linear' && body.repo === undefined) {
        throw badRequest('The Linear starter rule needs the repository its sessions go to', [{ path: 'body.repo', message: 'required for a linear endpoint without rules (or give rules)' }]);
      }
      if (body.repo !== undefined && !new RegExp(SOURCE_PATTERN).test(body.repo)) throw badRequest('Not a GitHub repository', [{ path: 'body.repo', message: 'must be owner/repo (or sources/github/owner/repo)' }]);
      const rules = withIds(body.rules ?? runner.starterRules(body.preset, body.repo), 'body.rules');
      const generated = body.secret === undefined ? generateSecret(body.preset) : null;
      const secret = body.secret ?? (generated as string);
      checkSecret(body.preset, secret);
      const now = iso(clock);
      const row: HookEndpointsTable = {
        id: newEndpointId(), workspace_id: ws, name: body.name, preset: body.preset, enabled: body.enabled === false ? 0 : 1, mode: body.mode ?? 'first', rules: JSON.stringify(rules),
        secret_sealed: secrets.encrypt(secret), secret_last4: secret.slice(-4), reply_api_url: null, reply_token_sealed: null, reply_token_last4: null,
        ...replyPatch(body.reply), deliveries: 0, rejected: 0, last_delivery_at: null, created_at: now, updated_at: now,
      };
      await store.insertEndpoint(row);
      log.info({ workspaceId: ws, endpointId: row.id, preset: row.preset, generated: generated !== null }, 'webhook endpoint created');
      return { ...view(row), secret: generated };
    },
    async update(ws: string, id: string, body: UpdateHookEndpointBody): Promise<HookEndpoint> {
      await mustEndpoint(ws, id);
      const patch: Partial<HookEndpointsTable> = { ...replyPatch(body.reply), updated_at: iso(clock) };
      if (body.name !== undefined) patch.name = body.name;
      if (body.enabled !== undefined) patch.enabled = body.enabled ? 1 : 0;
      if (body.mode !== undefined) patch.mode = body.mode;
      if (body.rules !== undefined) patch.rules = JSON.stringify(withIds(body.rules, 'body.rules'));
      await store.updateEndpoint(ws, id, patch);
      return view(await mustEndpoint(ws, id));
    },
    async remove(ws: string, id: string): Promise<void> {
      if (!(await store.removeEndpoint(ws, id))) throw notFound('Webhook endpoint', id);
    },
    async rotateSecret(ws: string, id: string, body: { secret?: string }): Promise<HookEndpointSaved> {
      const row = await mustEndpoint(ws, id);
      const generated = body.secret === undefined ? generateSecret(row.preset as HookPreset) : null;
      const secret = body.secret ?? (generated as string);
      checkSecret(row.preset as HookPreset, secret);
      await store.updateEndpoint(ws, id, { secret_sealed: secrets.encrypt(secret), secret_last4: secret.slice(-4), updated_at: iso(clock) });
      return { ...view(await mustEndpoint(ws, id)), secret: generated };
    },
    async deliveries(ws: string, id: string, q: { limit: number; cursor?: string; status?: string }) {
      await mustEndpoint(ws, id);
      const rows = await store.listDeliveries(ws, id, q.limit, q.status, deliveryCursor.decode(q.cursor));
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return { items: page.map(summary), nextCursor: rows.length > q.limit && last ? deliveryCursor.encode({ receivedAt: last.received_at, id: last.id }) : null };
    },
    async delivery(ws: string, id: string): Promise<HookDelivery> {
      const d = await store.delivery(ws, id);
      if (!d) throw notFound('Webhook delivery', id);
      return detail(d);
    },
    /** A new row with the stored (redacted) headers and payload, processed like any delivery. */
    async replay(ws: string, id: string) {
      const d = await store.delivery(ws, id);
      if (!d) throw notFound('Webhook delivery', id);
      const original = d.replay_of ?? d.id;
      for (let attempt = 0; attempt < 5; attempt++) {
        const n = (await store.countReplays(original)) + 1 + attempt;
        const rowId = await intake.enqueue({
          workspace_id: ws, endpoint_id: d.endpoint_id, delivery_id: `replay:${original}:${n}`, replay_of: original, event: d.event, headers: d.headers, payload: d.payload, received_at: iso(clock),
        });
        if (rowId) {
          const row = await store.delivery(ws, rowId);
          return { delivery: summary(row as HookDeliveriesTable) };
        }
      }
      throw new AppError('conflict', 'Could not queue the replay (concurrent replays); try again');
    },
    /** Evaluates saved or draft rules against a stored or pasted payload; nothing acts. */
    async test(ws: string, id: string, body: TestHookRulesBody): Promise<HookRulesTestResult> {
      const row = await mustEndpoint(ws, id);
      const ep = endpointView(row, secrets.decrypt);
      let input: { payload: unknown; headers: Record<string, string> };
      if (body.deliveryId !== undefined) {
        const d = await store.delivery(ws, body.deliveryId);
        if (!d || d.endpoint_id !== id) throw badRequest(`No delivery ${body.deliveryId} on this endpoint`, [{ path: 'body.deliveryId', message: 'not a delivery of this endpoint' }]);
        input = { payload: parse(d.payload), headers: parse(d.headers) };
      } else if (body.payload !== undefined) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(body.headers ?? {})) headers[k.toLowerCase()] = v;
        input = { payload: body.payload, headers };
      } else throw badRequest('Give a stored delivery or a pasted payload', [{ path: 'body.payload', message: 'required when deliveryId is omitted' }]);
      const rules = body.rules === undefined ? ep.rules : withIds(body.rules, 'body.rules');
      return runner.test(ep, input, rules, body.mode ?? ep.mode);
    },
  };

  const recovery = intervalLoop('hooks.recovery', RECOVERY_INTERVAL_MS, async () => {
    const n = await intake.processPending();
    if (n > 0) log.info({ n }, 'webhook deliveries recovered');
  }, log, { clock });
  // Stopping also waits for deliveries being processed after their answer (a cut-off one would wait for its lease).
  const loops: Loop[] = [{ ...recovery, stop: async () => { await recovery.stop(); await intake.idle(); } }];
  return { service, loops };
}
export type HooksServiceImpl = ReturnType<typeof createHooksService>['service'];

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrchestrator, type TestOrchestrator } from '../../../test/harness';

describe('housekeeping job', () => {
  let t: TestOrchestrator;
  beforeAll(async () => {
    t = await startTestOrchestrator({ JULES_DEMO_SESSIONS: '0' });
  });
  afterAll(async () => t?.close());

  it('drops leases of instances long gone (and event receipts past 7 days), keeps live ones, and runs once per dedupe key', async () => {
    const k = t.orch.db.kysely;
    const now = Date.now();
    await k.insertInto('leases').values([
      { name: 'test:gone', holder: 'dead-instance', expires_at: now - 2 * 60 * 60_000 },
      { name: 'test:live', holder: 'live-instance', expires_at: now + 60_000 },
    ]).execute();
    await k.insertInto('event_receipts').values([
      { consumer: 'test', event_id: 'old', at: now - 8 * 86_400_000 },
      { consumer: 'test', event_id: 'recent', at: now - 6 * 86_400_000 },
    ]).execute();
    const first = await t.orch.queue.enqueue('system.housekeeping', { reason: 'test' }, { dedupeKey: 'housekeeping-test' });
    for (let i = 0; i < 200 && (await t.orch.queue.getJob(first.id))?.state !== 'completed'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await t.orch.queue.getJob(first.id))?.state).toBe('completed');
    const names = (await k.selectFrom('leases').select('name').execute()).map((r) => r.name);
    expect(names).toContain('test:live');
    expect(names).not.toContain('test:gone');
    const receipts = (await k.selectFrom('event_receipts').select('event_id').where('consumer', '=', 'test').execute()).map((r) => r.event_id);
    expect(receipts).toEqual(['recent']);
  });

  it('prunes finished records of events in and out past the retention (30 days by default), never open ones', async () => {
    const k = t.orch.db.kysely;
    const ws = (await k.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString();
    await k.insertInto('hook_endpoints').values({
      id: 'hk_prune', workspace_id: ws, name: 'prune', preset: 'standard', enabled: 1, mode: 'first', rules: '[]', secret_sealed: 'x', secret_last4: 'abcd',
      reply_api_url: null, reply_token_sealed: null, reply_token_last4: null, deliveries: 0, rejected: 0, last_delivery_at: null, created_at: at(40), updated_at: at(40),
    }).execute();
    const delivery = (id: string, status: string, daysAgo: number) => ({
      id, workspace_id: ws, endpoint_id: 'hk_prune', delivery_id: id, replay_of: null, status, event: null, headers: '{}', payload: '{}', matched: '[]', results: '[]', error: null,
      received_at: at(daysAgo), processed_at: null, lease_until: 0,
    });
    await k.insertInto('hook_deliveries').values([delivery('old-done', 'processed', 31), delivery('old-queued', 'queued', 31), delivery('recent', 'no_match', 29)]).execute();
    const followup = (id: string, state: string, daysAgo: number) => ({
      id, workspace_id: ws, endpoint_id: 'hk_prune', delivery_row_id: 'old-done', kind: 'linear_comment', target: '{}', batch_id: null, session_id: null, state, pr_url: null,
      attempts: 0, next_at: 0, error: null, created_at: at(daysAgo), updated_at: at(daysAgo),
    });
    await k.insertInto('hook_followups').values([followup('fu-sent', 'sent', 31), followup('fu-waiting', 'waiting', 31)]).execute();
    await k.insertInto('channels').values({
      id: 'ch_prune', workspace_id: ws, name: 'prune', kind: 'webhook', enabled: 1, disabled_reason: null, config_sealed: 'x', target: 'https://example.com/…', filters: '{}',
      secret_last4: null, consecutive_failures: 0, first_failure_at: null, delivered: 0, failed: 0, last_delivery_at: null, created_at: at(40), updated_at: at(40),
    }).execute();
    const sent = (id: string, status: string, daysAgo: number) => ({
      id, workspace_id: ws, channel_id: 'ch_prune', event_id: id, event_type: 'inbox.raised', payload: '{}', status, attempts: 1, next_attempt_at: null, lease_until: 0, leased_by: null,
      last_error: null, created_at: at(daysAgo), delivered_at: null,
    });
    await k.insertInto('channel_deliveries').values([sent('cd-old', 'delivered', 31), sent('cd-pending', 'pending', 31), sent('cd-recent', 'failed', 2)]).execute();
    await k.insertInto('channel_attempts').values({ id: 'ca-old', workspace_id: ws, delivery_id: 'cd-old', channel_id: 'ch_prune', n: 1, at: at(31), status_code: 200, ok: 1, duration_ms: 5, error: null, manual: 0 }).execute();
    const notice = (id: string, daysAgo: number, f: { dismissed?: boolean; resolved?: boolean }) => ({
      id, workspace_id: ws, source: 'hooks', kind: 'webhook_rule', severity: 'info', title: id, body: '', session_id: null, repo: null, links: '[]', group_key: id,
      open_group: f.dismissed || f.resolved ? null : id, ref: null, count: 1, first_at: at(daysAgo), last_at: at(daysAgo), last_ms: Date.now() - daysAgo * day, read_at: null,
      dismissed_at: f.dismissed ? at(daysAgo) : null, snoozed_until: null, resolved_at: f.resolved ? at(daysAgo) : null, resolved_reason: null,
    });
    await k.insertInto('notices').values([notice('n-dismissed', 31, { dismissed: true }), notice('n-resolved', 31, { resolved: true }), notice('n-open', 31, {}), notice('n-recent', 3, { dismissed: true })]).execute();

    const job = await t.orch.queue.enqueue('system.housekeeping', { reason: 'test' }, { dedupeKey: 'housekeeping-prune' });
    for (let i = 0; i < 200 && (await t.orch.queue.getJob(job.id))?.state !== 'completed'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await t.orch.queue.getJob(job.id))?.state).toBe('completed');
    const ids = async (table: 'hook_deliveries' | 'hook_followups' | 'channel_deliveries' | 'channel_attempts' | 'notices') =>
      (await k.selectFrom(table).select('id').where('workspace_id', '=', ws).execute()).map((r) => r.id).sort();
    expect(await ids('hook_deliveries')).toEqual(['old-queued', 'recent']);
    expect(await ids('hook_followups')).toEqual(['fu-waiting']);
    expect(await ids('channel_deliveries')).toEqual(['cd-pending', 'cd-recent']);
    expect(await ids('channel_attempts')).toEqual([]);
    expect((await ids('notices')).filter((id) => id.startsWith('n-'))).toEqual(['n-open', 'n-recent']);
  });
});

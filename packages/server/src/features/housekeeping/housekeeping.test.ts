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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookPreset } from '@autopilot/contracts';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { createMetrics } from '../../platform/metrics';
import { createHooksRig, sign, type HooksRig } from './hooks.testing';

requirePostgresInCi();

const SECRET = 'a-sender-secret-0123456789';
const OTHER = 'not-the-secret-9876543210';
const STD = `whsec_${Buffer.from('standard-webhooks-secret-bytes!!').toString('base64')}`;
const RULES = [{ name: 'everything', conditions: [], action: { kind: 'notify', title: 'got one' } }];

/** One signed delivery per sender: headers for (body, id, secret, now). */
const senders: Record<HookPreset, { secret: string; body: (id: string, now: number) => string; headers: (secret: string, body: string, id: string, now: number) => Record<string, string>; timed: boolean }> = {
  slack: { secret: SECRET, body: (id) => JSON.stringify({ type: 'event_callback', event_id: id, event: { type: 'app_mention', text: 'hi' } }), headers: (s, body, _id, now) => sign.slack(s, body, now), timed: true },
  linear: { secret: SECRET, body: (id, now) => JSON.stringify({ type: 'Issue', action: 'create', webhookTimestamp: now, data: { title: id } }), headers: (s, body, id) => sign.linear(s, body, id), timed: true },
  // Jira and GitHub sign the body but no time: nothing can be stale; a replay is stopped by the delivery id alone.
  jira: { secret: SECRET, body: (id) => JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { key: id } }), headers: (s, body, id) => sign.jira(s, body, id), timed: false },
  github: { secret: SECRET, body: (id) => JSON.stringify({ action: 'opened', issue: { title: id } }), headers: (s, body, id) => sign.github(s, body, id), timed: false },
  standard: { secret: STD, body: (id) => JSON.stringify({ type: 'thing.happened', data: { id } }), headers: (s, body, id, now) => sign.standard(s, body, id, now), timed: true },
};
const wrongSecret = (p: HookPreset) => (p === 'standard' ? `whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}` : OTHER);

describe.each(testEngines())('hooks intake (%s)', (engine) => {
  let r: HooksRig;
  const ids: Partial<Record<HookPreset, string>> = {};
  beforeAll(async () => {
    r = await createHooksRig(engine);
    for (const preset of Object.keys(senders) as HookPreset[]) {
      const res = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: preset, preset, secret: senders[preset].secret, rules: RULES } });
      expect(res.status).toBe(201);
      ids[preset] = res.body.id;
    }
  });
  afterAll(async () => r?.close());

  const endpoint = async (p: HookPreset) => (await r.request(`/api/hooks/endpoints/${ids[p]}`)).body;

  describe.each(Object.keys(senders) as HookPreset[])('%s', (preset) => {
    const s = senders[preset];
    it('valid → processed; the same delivery again → duplicate, run once', async () => {
      const id = `${preset}-ok-1`;
      const body = s.body(id, r.clock.now());
      const runsBefore = r.fake.runs.length;
      const first = await r.post(ids[preset]!, body, s.headers(s.secret, body, id, r.clock.now()));
      expect(first.status).toBe(202);
      await r.service.idle();
      const d = await r.request(`/api/hooks/deliveries/${first.body.id}`);
      expect(d.body).toMatchObject({ status: 'processed', deliveryId: id, matched: ['everything'] });
      const again = await r.post(ids[preset]!, body, s.headers(s.secret, body, id, r.clock.now()));
      expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
      await r.service.idle();
      expect(r.fake.runs.length - runsBefore).toBe(1);
      expect(r.events.filter((e) => e.type === 'hook.delivery' && (e.data as { id: string }).id === first.body.id).map((e) => (e.data as { status: string }).status)).toEqual(['queued', 'processed']);
    });

    it('tampered body, wrong secret' + (s.timed ? ', stale timestamp' : '') + ' → the same 401, counted, nothing stored', async () => {
      const before = await endpoint(preset);
      const now = r.clock.now();
      const body = s.body(`${preset}-bad`, now);
      const tampered = await r.post(ids[preset]!, body.replace('"', '"x'), s.headers(s.secret, body, `${preset}-bad-1`, now));
      const wrong = await r.post(ids[preset]!, body, s.headers(wrongSecret(preset), body, `${preset}-bad-2`, now));
      expect(tampered.status).toBe(401);
      expect(wrong).toEqual({ ...tampered, headers: wrong.headers });
      let refused = 2;
      if (s.timed) {
        const old = now - 10 * 60_000;
        const staleBody = s.body(`${preset}-stale`, old);
        const stale = await r.post(ids[preset]!, staleBody, s.headers(s.secret, staleBody, `${preset}-bad-3`, old));
        expect(stale.status).toBe(401);
        expect(stale.body).toEqual(tampered.body);
        refused++;
      }
      const after = await endpoint(preset);
      expect(after.rejected - before.rejected).toBe(refused);
      expect(after.deliveries).toBe(before.deliveries);
      const log = await r.request(`/api/hooks/endpoints/${ids[preset]}/deliveries`);
      expect(log.body.items.some((d: { deliveryId: string }) => d.deliveryId.startsWith(`${preset}-bad`))).toBe(false);
    });
  });

  it('slack: a slash command answers the ephemeral text; url_verification answers the challenge', async () => {
    const form = 'command=%2Fjules&text=fix+login&trigger_id=T-9&token=verification-token&response_url=https%3A%2F%2Fhooks.slack.com%2Fx';
    const res = await r.post(ids.slack!, form, sign.slack(SECRET, form, r.clock.now(), 'application/x-www-form-urlencoded'));
    expect(res).toMatchObject({ status: 200, body: { response_type: 'ephemeral', text: 'Starting a Jules session…' } });
    const ch = JSON.stringify({ type: 'url_verification', challenge: 'chal-1' });
    expect(await r.post(ids.slack!, ch, sign.slack(SECRET, ch, r.clock.now()))).toMatchObject({ status: 200, body: { challenge: 'chal-1' } });
    await r.service.idle();
  });

  it('the log is redacted: a token in the payload and the signature header never appear; the runner sees the redacted payload', async () => {
    const body = JSON.stringify({ action: 'opened', token: 'tok-SUPER-SECRET', nested: { password: 'pw-SECRET' }, title: 'keep me' });
    const headers = { ...sign.github(SECRET, body, 'gh-redact'), authorization: 'Bearer abc-SECRET' };
    const res = await r.post(ids.github!, body, headers);
    await r.service.idle();
    const d = await r.request(`/api/hooks/deliveries/${res.body.id}`);
    const text = JSON.stringify(d.body);
    expect(text).not.toContain('tok-SUPER-SECRET');
    expect(text).not.toContain('pw-SECRET');
    expect(text).not.toContain('abc-SECRET');
    expect(text).not.toContain(headers['x-hub-signature-256'].slice(7));
    expect(d.body.payload).toMatchObject({ token: '[redacted]', title: 'keep me' });
    expect(d.body.headers['x-hub-signature-256']).toBe('[redacted]');
    expect(d.body.headers['x-github-event']).toBe('issues');
    expect(r.fake.runs.at(-1)?.delivery.payload).toMatchObject({ token: '[redacted]' });
  });

  it('a valid signature over malformed JSON → 400; unknown or disabled endpoint → 404; > 1 MiB → 413', async () => {
    const bad = await r.post(ids.github!, '{oops', sign.github(SECRET, '{oops', 'gh-malformed'));
    expect(bad.status).toBe(400);
    expect((await r.post('hk_doesnotexist0000000000', '{}', {})).status).toBe(404);
    expect((await r.post('github', '{}', {})).status).toBe(404);
    const huge = JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) });
    expect((await r.post(ids.github!, huge, sign.github(SECRET, huge, 'gh-huge'))).status).toBe(413);
    await r.request(`/api/hooks/endpoints/${ids.jira}`, { method: 'PATCH', json: { enabled: false } });
    const body = senders.jira.body('j-off', r.clock.now());
    expect((await r.post(ids.jira!, body, sign.jira(SECRET, body, 'j-off'))).status).toBe(404);
    await r.request(`/api/hooks/endpoints/${ids.jira}`, { method: 'PATCH', json: { enabled: true } });
  });

  it('crash recovery: a row left queued with an expired lease is processed by processPending, and only once', async () => {
    await r.db.kysely.insertInto('hook_deliveries').values({
      id: 'hd_crashed', workspace_id: r.ws, endpoint_id: ids.github!, delivery_id: 'gh-crashed', replay_of: null, status: 'queued', event: 'issues',
      headers: '{}', payload: JSON.stringify({ action: 'opened' }), matched: '[]', results: '[]', error: null, received_at: new Date(r.clock.now()).toISOString(), processed_at: null,
      lease_until: r.clock.now() + 60_000,
    }).execute();
    expect(await r.service.processPending()).toBe(0); // still leased by the "crashed" instance
    r.clock.advance(60_001);
    expect(await r.service.processPending()).toBe(1);
    expect(await r.service.processPending()).toBe(0);
    expect((await r.request('/api/hooks/deliveries/hd_crashed')).body).toMatchObject({ status: 'processed', matched: ['everything'] });
  });

  it('a runner failure is stored as failed with the error', async () => {
    r.fake.failWith('boom');
    const body = JSON.stringify({ action: 'x' });
    const res = await r.post(ids.github!, body, sign.github(SECRET, body, 'gh-fail'));
    await r.service.idle();
    r.fake.failWith(null);
    expect((await r.request(`/api/hooks/deliveries/${res.body.id}`)).body).toMatchObject({ status: 'failed', error: 'boom' });
  });

  it('replay: a second row (replay_of, replay:<id>:<n>) with the stored payload, run again', async () => {
    const body = JSON.stringify({ action: 'opened', token: 'secret-token' });
    const res = await r.post(ids.github!, body, sign.github(SECRET, body, 'gh-replay'));
    await r.service.idle();
    const runs = r.fake.runs.length;
    const rep = await r.request(`/api/hooks/deliveries/${res.body.id}/replay`, { method: 'POST' });
    expect(rep.status).toBe(202);
    expect(rep.body.delivery).toMatchObject({ replayOf: res.body.id, deliveryId: `replay:${res.body.id}:1` });
    await r.service.idle();
    expect(r.fake.runs.length - runs).toBe(1);
    expect(r.fake.runs.at(-1)?.delivery.payload).toEqual({ action: 'opened', token: '[redacted]' });
    const rep2 = await r.request(`/api/hooks/deliveries/${res.body.id}/replay`, { method: 'POST' });
    expect(rep2.body.delivery.deliveryId).toBe(`replay:${res.body.id}:2`);
    await r.service.idle();
    expect((await r.request(`/api/hooks/deliveries/${rep.body.delivery.id}`)).body.status).toBe('processed');
  });
});

describe('hooks intake rate limit', () => {
  it('past HOOKS_RATE_PER_MINUTE an endpoint answers 429 with Retry-After (counted in the metrics)', async () => {
    const metrics = createMetrics();
    const r = await createHooksRig('sqlite', { ratePerMinute: 2, metrics });
    try {
      const ep = await r.request('/api/hooks/endpoints', { method: 'POST', json: { name: 'gh', preset: 'github', secret: SECRET, rules: [] } });
      const send = (n: number) => {
        const body = JSON.stringify({ n });
        return r.post(ep.body.id, body, sign.github(SECRET, body, `rl-${n}`));
      };
      expect((await send(1)).status).toBe(202);
      expect((await send(2)).status).toBe(202);
      const third = await send(3);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      const text = await metrics.render();
      expect(text).toContain('autopilot_hook_deliveries_total{preset="github",outcome="rate_limited"} 1');
      expect(text).toContain('autopilot_hook_deliveries_total{preset="github",outcome="accepted"} 2');
    } finally {
      await r.close();
    }
  });
});

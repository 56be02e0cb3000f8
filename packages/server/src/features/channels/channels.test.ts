import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { requirePostgresInCi, testEngines } from '../../platform/db/testing';
import { createRig, type Rig } from './channels.testing';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from './channels.schedule';
import { matches } from './channels.filters';

requirePostgresInCi();
const H = 3_600_000;
const notice = (over: Record<string, unknown> = {}) => ({
  id: `n_${Math.random().toString(36).slice(2)}`, source: 'keeper', kind: 'plan_held', severity: 'critical' as const, title: 'Plan held', body: 'Look at it',
  sessionId: null, repo: 'acme/shop', count: 1, links: [{ label: 'Session', href: '/sessions/s1' }], ...over,
});

describe('channel filters', () => {
  it('match exact types, prefixes and *, severities of events that carry one, repos of events that name one', () => {
    const ev = (type: string, data: Record<string, unknown>) => ({ type, data }) as never;
    expect(matches({ eventTypes: ['inbox.raised'] }, ev('inbox.raised', {}))).toBe(true);
    expect(matches({ eventTypes: ['inbox.raised'] }, ev('inbox.updated', {}))).toBe(false);
    expect(matches({ eventTypes: ['session.*'] }, ev('session.updated', {}))).toBe(true);
    expect(matches({ eventTypes: ['session.*'] }, ev('sessions.synced', {}))).toBe(false);
    expect(matches({ eventTypes: ['*'] }, ev('budget.threshold', {}))).toBe(true);
    expect(matches({ eventTypes: ['*'], severities: ['critical'] }, ev('inbox.raised', { severity: 'info' }))).toBe(false);
    expect(matches({ eventTypes: ['*'], severities: ['critical'] }, ev('session.updated', {}))).toBe(true);
    expect(matches({ eventTypes: ['*'], repos: ['acme/shop'] }, ev('inbox.raised', { repo: 'acme/shop' }))).toBe(true);
    expect(matches({ eventTypes: ['*'], repos: ['acme/shop'] }, ev('inbox.raised', { repo: 'acme/api' }))).toBe(false);
    expect(matches({ eventTypes: ['*'], repos: ['acme/shop'] }, ev('session.updated', {}))).toBe(false);
  });
});

describe.each(testEngines())('channels (%s)', (engine) => {
  let r: Rig;
  beforeAll(async () => void (r = await createRig(engine)));
  afterAll(async () => r?.close());
  const svc = () => r.feature.service;
  const raise = async (over: Record<string, unknown> = {}) => {
    const e = await r.bus.publish('inbox.raised', r.ws, notice(over));
    await r.settle();
    return e;
  };
  const webhook = async (path: string, extra: Record<string, unknown> = {}) => {
    const res = await r.request('/api/channels', { method: 'POST', json: { kind: 'webhook', name: path, url: `${r.rx.url}${path}`, ...extra } });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };
  const hits = (path: string) => r.rx.requests.filter((q) => q.path === path);

  it('a receiver down for six attempts then up gets the event once, the same signed webhook-id on all seven attempts', async () => {
    const ch = await webhook('/flaky');
    expect(ch.secret).toMatch(/^whsec_/);
    r.rx.down(6);
    const e = await raise();
    await svc().runDue();
    for (const d of RETRY_DELAYS_MS.slice(0, 6)) {
      r.clock.advance(d);
      await svc().runDue();
    }
    const got = hits('/flaky');
    expect(got.map((q) => q.status)).toEqual([503, 503, 503, 503, 503, 503, 200]);
    const wh = new Webhook(ch.secret);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (const q of got) {
        // the receiver checks the timestamp against its own clock: at the moment the attempt was made (the manual clock's)
        vi.setSystemTime(Number(q.headers['webhook-timestamp']) * 1000);
        expect(wh.verify(q.body, { 'webhook-id': q.headers['webhook-id']!, 'webhook-timestamp': q.headers['webhook-timestamp']!, 'webhook-signature': q.headers['webhook-signature']! })).toMatchObject({ id: e.id, type: 'inbox.raised' });
      }
      expect(() => wh.verify(got[0]!.body.replace('Plan held', 'Plan hacked'), { 'webhook-id': got[0]!.headers['webhook-id']!, 'webhook-timestamp': got.at(-1)!.headers['webhook-timestamp']!, 'webhook-signature': got.at(-1)!.headers['webhook-signature']! })).toThrow();
    } finally {
      vi.useRealTimers();
    }
    expect(new Set(got.map((q) => q.headers['webhook-id'])).size).toBe(1);
    expect(got[0]!.headers['webhook-id']).toMatch(/^msg_/);
    r.clock.advance(100 * H);
    await svc().runDue();
    expect(hits('/flaky')).toHaveLength(7);
    const list = await r.request(`/api/channels/${ch.id}/deliveries`);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ status: 'delivered', attempts: 7, id: got[0]!.headers['webhook-id'] });
    const one = await r.request(`/api/channel-deliveries/${list.body.items[0].id}`);
    expect(one.body.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 503, 503, 503, 503, 200]);
    expect(one.body.attemptLog[0].error).toBe('HTTP 503');
    expect(JSON.stringify(one.body)).not.toContain('service unavailable');
    expect((await r.request(`/api/channels/${ch.id}`)).body).toMatchObject({ delivered: 1, consecutiveFailures: 0, enabled: true });
    expect(r.events.filter((x) => x.type === 'channel.delivery' && x.data.channelId === ch.id)).toHaveLength(7);
    await r.request(`/api/channels/${ch.id}`, { method: 'DELETE' });
  });

  it('a permanently failing receiver: after the whole schedule the delivery fails, the channel is disabled, a notice raised; retry by hand', async () => {
    const ch = await webhook('/dead');
    r.rx.down(Infinity);
    await raise();
    await svc().runDue();
    for (const d of RETRY_DELAYS_MS) {
      r.clock.advance(d * 1.2);
      await svc().runDue();
    }
    r.rx.up();
    expect(hits('/dead')).toHaveLength(MAX_ATTEMPTS);
    const got = (await r.request(`/api/channels/${ch.id}`)).body;
    expect(got).toMatchObject({ enabled: false, failed: 1, pending: 0 });
    expect(got.disabledReason).toContain('no success since');
    expect(r.raised.at(-1)).toMatchObject({ ws: r.ws, draft: { source: 'channel', kind: 'channel_disabled', severity: 'critical' } });
    await raise();
    expect((await r.request(`/api/channels/${ch.id}/deliveries`)).body.items).toHaveLength(1);
    const d = (await r.request(`/api/channels/${ch.id}/deliveries?status=failed`)).body.items[0];
    const retried = await r.request(`/api/channel-deliveries/${d.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'delivered', attempts: MAX_ATTEMPTS + 1 });
    expect(retried.body.attemptLog.at(-1)).toMatchObject({ manual: true, ok: true, statusCode: 200 });
    expect(new Set(hits('/dead').map((q) => q.headers['webhook-id'])).size).toBe(1);
    const enabled = await r.request(`/api/channels/${ch.id}`, { method: 'PATCH', json: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    await r.request(`/api/channels/${ch.id}`, { method: 'DELETE' });
  });

  it('Slack channels post escaped text to the Slack path; the URL is never answered', async () => {
    const url = `${r.rx.url}/services/T000/B000/sekrit`;
    const made = await r.request('/api/channels', { method: 'POST', json: { kind: 'slack', name: 'slack', url } });
    expect(made.status).toBe(201);
    expect(made.body.target).toBe(`http://127.0.0.1:${r.rx.port}/…`);
    expect(JSON.stringify((await r.request('/api/channels')).body)).not.toContain('sekrit');
    await raise({ title: '<!channel> pwned <https://evil.example|click> & more', repo: 'acme/shop' });
    await svc().runDue();
    const q = hits('/services/T000/B000/sekrit').at(-1)!;
    expect(q.status).toBe(200);
    const msg = JSON.parse(q.body) as { text: string; blocks: unknown[] };
    expect(msg.text).toContain('&lt;!channel&gt; pwned &lt;https://evil.example|click&gt; &amp; more');
    expect(q.body).not.toContain('<!channel>');
    expect(q.body).toContain('https://autopilot.example.com/sessions/s1');
    await r.request(`/api/channels/${made.body.id}`, { method: 'DELETE' });
  });

  it('e-mail reaches the SMTP sink; filters drop what does not match', async () => {
    const made = await r.request('/api/channels', { method: 'POST', json: { kind: 'email', name: 'mail', to: ['ops@example.com'], filters: { eventTypes: ['inbox.*'], severities: ['critical'], repos: ['acme/shop'] } } });
    expect(made.status).toBe(201);
    await raise({ title: 'Budget <b>80%</b>', repo: 'acme/shop' });
    await raise({ title: 'info only', severity: 'info' });
    await raise({ title: 'other repo', repo: 'acme/api' });
    await svc().runDue();
    expect(r.sink.messages.map((m) => m.subject)).toEqual(['[critical] Budget <b>80%</b>']);
    expect(r.sink.messages[0]!.to).toEqual(['ops@example.com']);
    expect(r.sink.messages[0]!.html).toContain('Budget &lt;b&gt;80%&lt;/b&gt;');
    await r.request(`/api/channels/${made.body.id}`, { method: 'DELETE' });
  });

  it('two instances on one database and bus make one delivery per event', async () => {
    const other = r.second();
    const ch = await webhook('/twice');
    await raise();
    await raise();
    await Promise.all([svc().runDue(), other.service.runDue()]);
    expect(hits('/twice')).toHaveLength(2);
    expect((await r.request(`/api/channels/${ch.id}/deliveries`)).body.items).toHaveLength(2);
    await r.request(`/api/channels/${ch.id}`, { method: 'DELETE' });
  });

  it('the test route sends channel.test once and logs it; rotate answers a new secret once', async () => {
    const ch = await webhook('/probe');
    const res = await r.request(`/api/channels/${ch.id}/test`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(JSON.parse(hits('/probe').at(-1)!.body)).toMatchObject({ type: 'channel.test', data: { channelId: ch.id } });
    const list = (await r.request(`/api/channels/${ch.id}/deliveries`)).body.items;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ eventType: 'channel.test', status: 'delivered', attempts: 1 });
    const rotated = await r.request(`/api/channels/${ch.id}/secret`, { method: 'POST', json: {} });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(ch.secret);
    const read = JSON.stringify([(await r.request(`/api/channels/${ch.id}`)).body, (await r.request('/api/channels')).body]);
    expect(read).not.toContain(rotated.body.secret);
    expect(read).not.toContain(ch.secret);
    await r.request(`/api/channels/${ch.id}`, { method: 'DELETE' });
  });

  it('refuses a private address at save (400 naming url), e-mail without SMTP is covered by kind; viewers get 403', async () => {
    const bad = await r.request('/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'x', url: 'http://10.0.0.5/hook' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('body.url');
    r.role.current = 'viewer';
    try {
      expect((await r.request('/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'x', url: `${r.rx.url}/v` } })).status).toBe(403);
      expect((await r.request('/api/channels')).status).toBe(200);
    } finally {
      r.role.current = 'admin';
    }
  });
});

describe('channels at connect time', () => {
  let r: Rig;
  let answer = '93.184.216.34';
  beforeAll(async () => void (r = await createRig('sqlite', { resolve: async () => [answer], allowReceiver: false })));
  afterAll(async () => r?.close());

  it('a name that resolves to 127.0.0.1 after the save is refused when connecting: nothing reaches the receiver', async () => {
    const made = await r.request('/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'rebind', url: `http://hooks.example.com:${r.rx.port}/rebind` } });
    expect(made.status).toBe(201);
    answer = '127.0.0.1';
    const before = r.rx.requests.length;
    const res = await r.request(`/api/channels/${made.body.id}/test`, { method: 'POST' });
    expect(res.body).toMatchObject({ ok: false, statusCode: null, error: 'upstream unreachable' });
    expect(r.rx.requests.length).toBe(before);
  });
});

describe('channels without SMTP', () => {
  it('refuses an e-mail channel with a 400 naming kind and SMTP_URL', async () => {
    const { createTestDb } = await import('../../platform/db/testing');
    const { createChannelsService } = await import('./channels.service');
    const t = await createTestDb('sqlite');
    try {
      const svc = createChannelsService({ db: t.db, smtp: undefined } as never);
      const err = await svc.create('ws', { kind: 'email', name: 'm', to: ['a@example.com'] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'bad_request', details: { issues: [{ path: 'body.kind' }] } });
      expect((err as Error).message).toContain('SMTP_URL');
    } finally {
      await t.cleanup();
    }
  });
});

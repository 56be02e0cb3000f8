import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The orchestrator's own checks: what they accept is what a real Slack, Linear or Jira would get through.
import { verify } from '../../server/src/features/hooks/hooks.verify';
import {
  issueEvent,
  issueWebhook,
  signJira,
  signLinear,
  signSlack,
  slashCommandBody,
  startLinear,
  startSlack,
  startWebhookReceiver,
  sendSlashCommand,
  type LinearStandIn,
  type SlackStandIn,
} from '../src';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const raw = (s: string) => Buffer.from(s, 'utf8');

describe('signers, checked by the orchestrator’s verify', () => {
  it('Slack: a signed slash command verifies with its trigger id as the delivery id; tampered or stale does not', () => {
    const body = slashCommandBody({ command: '/jules', text: 'fix the login bug acme/shop', responseUrl: 'http://127.0.0.1:1/commands/x', triggerId: '123.456.abc' });
    const fields = Object.fromEntries(new URLSearchParams(body));
    expect(Object.keys(fields)).toEqual(['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'command', 'text', 'api_app_id', 'is_enterprise_install', 'response_url', 'trigger_id']);
    const h = signSlack('slack-secret', body, NOW);
    const v = verify('slack', 'slack-secret', h, raw(body), NOW);
    expect(v).toMatchObject({ ok: true, deliveryId: '123.456.abc', event: '/jules', payload: { text: 'fix the login bug acme/shop', response_url: 'http://127.0.0.1:1/commands/x' } });
    expect(verify('slack', 'slack-secret', h, raw(body.replace('login', 'logout')), NOW)).toMatchObject({ ok: false, reason: 'bad signature' });
    expect(verify('slack', 'other-secret', h, raw(body), NOW).ok).toBe(false);
    expect(verify('slack', 'slack-secret', h, raw(body), NOW + 10 * 60_000)).toMatchObject({ ok: false, reason: 'stale timestamp' });
  });

  it('Slack: each command gets its own trigger id (a new delivery)', () => {
    const c = { command: '/jules', text: 'x', responseUrl: 'http://127.0.0.1:1/commands/x' };
    const a = new URLSearchParams(slashCommandBody(c)).get('trigger_id');
    const b = new URLSearchParams(slashCommandBody(c)).get('trigger_id');
    expect(a).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(a).not.toBe(b);
  });

  it('Linear: an Issue webhook verifies as Issue.create with the delivery header; tampered does not', () => {
    const body = issueWebhook({ action: 'create', issue: { id: 'iss_1', identifier: 'ENG-12', title: 'Fix login', description: 'It 500s', labels: ['bug', 'jules'] }, nowMs: NOW });
    const h = signLinear('lin-secret', body, 'dlv-1');
    expect(h).toMatchObject({ 'content-type': 'application/json', 'linear-delivery': 'dlv-1', 'linear-event': 'Issue', 'user-agent': 'Linear-Webhook' });
    const v = verify('linear', 'lin-secret', h, raw(body), NOW + 1000);
    expect(v).toMatchObject({ ok: true, deliveryId: 'dlv-1', event: 'Issue.create' });
    const data = (v as { payload: { data: { identifier: string; team: { key: string }; labels: Array<{ name: string }> } } }).payload.data;
    expect([data.identifier, data.team.key, data.labels.map((l) => l.name)]).toEqual(['ENG-12', 'ENG', ['bug', 'jules']]);
    expect(verify('linear', 'lin-secret', h, raw(body.replace('Fix login', 'Fix logout')), NOW)).toMatchObject({ ok: false, reason: 'bad signature' });
    // Linear signs webhookTimestamp into the body; outside 60 s it is refused.
    expect(verify('linear', 'lin-secret', h, raw(body), NOW + 120_000)).toMatchObject({ ok: false, reason: 'stale timestamp' });
    const upd = JSON.parse(issueWebhook({ action: 'update', issue: { id: 'iss_1', identifier: 'ENG-12', title: 't', labels: [] }, nowMs: NOW })) as { updatedFrom?: unknown };
    expect(upd.updatedFrom).toBeDefined();
  });

  it('Jira: an issue event verifies with the webhook identifier; tampered does not', () => {
    const body = issueEvent({ event: 'jira:issue_updated', issue: { key: 'SHOP-7', summary: 'Checkout fails' }, nowMs: NOW, changedLabels: { from: ['bug'], to: ['bug', 'jules'] } });
    const h = signJira('jira-secret', body, 'wh-7');
    const v = verify('jira', 'jira-secret', h, raw(body), NOW);
    expect(v).toMatchObject({
      ok: true,
      deliveryId: 'wh-7',
      event: 'jira:issue_updated',
      payload: { issue: { key: 'SHOP-7', id: '10007', fields: { labels: ['bug', 'jules'], project: { key: 'SHOP' } } }, changelog: { items: [{ field: 'labels', fromString: 'bug', toString: 'bug jules' }] } },
    });
    expect(verify('jira', 'jira-secret', h, raw(body.replace('Checkout', 'Checkin')), NOW)).toMatchObject({ ok: false, reason: 'bad signature' });
    expect(signJira('s', body)['x-atlassian-webhook-identifier']).not.toBe(signJira('s', body)['x-atlassian-webhook-identifier']);
  });

  it('sendSlashCommand POSTs the signed form body', async () => {
    const rx = await startWebhookReceiver();
    try {
      const res = await sendSlashCommand(`${rx.url}/hooks/hk_1`, 'slack-secret', { command: '/jules', text: 'hi', responseUrl: 'http://127.0.0.1:1/commands/x' });
      expect(res.status).toBe(200);
      const got = rx.requests[0]!;
      expect([got.method, got.path, got.headers['content-type']]).toEqual(['POST', '/hooks/hk_1', 'application/x-www-form-urlencoded']);
      expect(verify('slack', 'slack-secret', got.headers, raw(got.body), Date.now())).toMatchObject({ ok: true, event: '/jules' });
    } finally {
      await rx.close();
    }
  });
});

describe('Slack stand-in', () => {
  let slack: SlackStandIn;
  beforeAll(async () => void (slack = await startSlack()));
  afterAll(async () => slack.close());

  const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${slack.token}` }) =>
    fetch(`${slack.apiUrl}/chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) });

  it('chat.postMessage records messages (JSON with Bearer, or form with token), thread_ts kept, ts increasing', async () => {
    const a = await post({ channel: 'C1', text: 'Session started', thread_ts: '1700000000.000100' });
    expect(a.status).toBe(200);
    const ja = (await a.json()) as { ok: boolean; channel: string; ts: string; message: { text: string; thread_ts?: string } };
    expect(ja).toMatchObject({ ok: true, channel: 'C1', message: { text: 'Session started', thread_ts: '1700000000.000100' } });
    expect(ja.ts).toMatch(/^\d{10}\.\d{6}$/);
    const form = new URLSearchParams({ token: slack.token, channel: 'C2', text: '', blocks: JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: '*PR*' } }]) });
    const b = await fetch(`${slack.apiUrl}/chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    const jb = (await b.json()) as { ok: boolean; ts: string };
    expect(jb.ok).toBe(true);
    expect(jb.ts > ja.ts).toBe(true);
    expect(slack.messages).toEqual([
      { channel: 'C1', text: 'Session started', thread_ts: '1700000000.000100', ts: ja.ts, token: 'xoxb-test-token' },
      { channel: 'C2', text: '', thread_ts: null, ts: jb.ts, token: 'xoxb-test-token', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*PR*' } }] },
    ]);
  });

  it('answers Slack’s errors with HTTP 200: invalid_auth, not_authed, channel_not_found, no_text', async () => {
    const before = slack.messages.length;
    const answers = await Promise.all([
      post({ channel: 'C1', text: 'x' }, { authorization: 'Bearer xoxb-wrong' }),
      post({ channel: 'C1', text: 'x' }, {}),
      // In a JSON body Slack ignores a token field: the header is the only way.
      post({ channel: 'C1', text: 'x', token: slack.token }, {}),
      post({ channel: '', text: 'x' }),
      post({ channel: 'C1' }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await Promise.all(answers.map((r) => r.json()))).map((j) => j as { ok: boolean; error: string })).toEqual([
      { ok: false, error: 'invalid_auth' },
      { ok: false, error: 'not_authed' },
      { ok: false, error: 'not_authed' },
      { ok: false, error: 'channel_not_found' },
      { ok: false, error: 'no_text' },
    ]);
    expect(slack.messages).toHaveLength(before);
  });

  it('failNext(n) answers n calls with 429 ratelimited and Retry-After, then works again', async () => {
    const before = slack.messages.length;
    slack.failNext(2);
    for (let i = 0; i < 2; i++) {
      const r = await post({ channel: 'C1', text: 'retry me' });
      expect([r.status, r.headers.get('retry-after'), await r.json()]).toEqual([429, '1', { ok: false, error: 'ratelimited' }]);
    }
    expect(((await (await post({ channel: 'C1', text: 'retry me' })).json()) as { ok: boolean }).ok).toBe(true);
    expect(slack.messages.slice(before).map((m) => m.text)).toEqual(['retry me']);
  });

  it('response URLs record up to five posts, then used_url; unknown ids 404', async () => {
    const url = slack.responseUrl();
    expect(url).toMatch(new RegExp(`^${slack.url}/commands/[0-9a-f]+$`));
    expect(slack.responseUrl()).not.toBe(url);
    const reply = (u: string, body: unknown) => fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (let i = 1; i <= 5; i++) {
      const r = await reply(url, { text: `reply ${i}`, response_type: 'in_channel' });
      expect([r.status, await r.text()]).toEqual([200, 'ok']);
    }
    const sixth = await reply(url, { text: 'reply 6' });
    expect([sixth.status, await sixth.text()]).toEqual([404, 'used_url']);
    const id = url.split('/').pop()!;
    expect(slack.responses).toEqual([1, 2, 3, 4, 5].map((i) => ({ id, body: { text: `reply ${i}`, response_type: 'in_channel' } })));
    expect((await reply(`${slack.url}/commands/nope`, { text: 'x' })).status).toBe(404);
    expect((await reply(slack.responseUrl(), { response_type: 'ephemeral' })).status).toBe(400);
  });
});

describe('Linear stand-in', () => {
  let linear: LinearStandIn;
  beforeAll(async () => void (linear = await startLinear()));
  afterAll(async () => linear.close());

  const MUTATION = 'mutation CommentCreate($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id url body } } }';
  const gql = (query: string, variables: unknown, authorization: string | null = linear.apiKey) =>
    fetch(linear.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) }, body: JSON.stringify({ query, variables }) });

  it('commentCreate records the comment and answers success with the comment id (bare key or Bearer)', async () => {
    const r = await gql(MUTATION, { input: { issueId: 'iss_1', body: 'Jules opened a PR: https://github.com/acme/shop/pull/3' } });
    expect(r.status).toBe(200);
    const j = (await r.json()) as { data: { commentCreate: { success: boolean; comment: { id: string; body: string; url: string } } } };
    expect(j.data.commentCreate.success).toBe(true);
    expect(linear.comments).toEqual([{ id: j.data.commentCreate.comment.id, issueId: 'iss_1', body: 'Jules opened a PR: https://github.com/acme/shop/pull/3', createdAt: expect.any(String) }]);
    expect(j.data.commentCreate.comment.body).toBe(linear.comments[0]!.body);
    const bearer = await gql('mutation ($c: CommentCreateInput!) {\n  # reply\n  commentCreate(input: $c) { success }\n}', { c: { issueId: 'iss_2', body: 'second' } }, `Bearer ${linear.apiKey}`);
    expect(((await bearer.json()) as { data: { commentCreate: { success: boolean } } }).data.commentCreate.success).toBe(true);
    expect(linear.comments.map((c) => c.issueId)).toEqual(['iss_1', 'iss_2']);
  });

  it('a wrong or missing key is AUTHENTICATION_ERROR (HTTP 400); empty input INVALID_INPUT; other operations unknown', async () => {
    const before = linear.comments.length;
    for (const auth of ['lin_api_wrong', null]) {
      const r = await gql(MUTATION, { input: { issueId: 'iss_1', body: 'x' } }, auth);
      const j = (await r.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect([r.status, j.errors[0]!.message, j.errors[0]!.extensions.code]).toEqual([400, 'Authentication required, not authenticated', 'AUTHENTICATION_ERROR']);
    }
    const empty = (await (await gql(MUTATION, { input: { issueId: 'iss_1', body: '  ' } })).json()) as { data: null; errors: Array<{ extensions: { code: string } }> };
    expect([empty.data, empty.errors[0]!.extensions.code]).toEqual([null, 'INVALID_INPUT']);
    const noIssue = (await (await gql(MUTATION, { input: { body: 'x' } })).json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(noIssue.errors[0]!.extensions.code).toBe('INVALID_INPUT');
    const unknown = await gql('query { viewer { id } }', {});
    expect(((await unknown.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toBe('Unknown operation');
    expect(linear.comments.length).toBe(before);
  });

  it('a client id makes commentCreate idempotent: the second use is refused with "already exists"', async () => {
    const before = linear.comments.length;
    const input = { id: '0b6f2a3c-1d2e-4f50-a617-28394a5b6c7d', issueId: 'iss_4', body: 'once' };
    const first = (await (await gql(MUTATION, { input })).json()) as { data: { commentCreate: { comment: { id: string } } } };
    expect(first.data.commentCreate.comment.id).toBe(input.id);
    const again = (await (await gql(MUTATION, { input })).json()) as { data: null; errors: Array<{ message: string; extensions: { code: string } }> };
    expect([again.data, again.errors[0]!.message, again.errors[0]!.extensions.code]).toEqual([null, 'Entity already exists', 'INVALID_INPUT']);
    const notUuid = (await (await gql(MUTATION, { input: { ...input, id: 'nope' } })).json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(notUuid.errors[0]!.extensions.code).toBe('INVALID_INPUT');
    expect(linear.comments.slice(before).map((c) => [c.id, c.body])).toEqual([[input.id, 'once']]);
  });

  it('failNext(n) answers n requests with HTTP 500, then works again', async () => {
    const before = linear.comments.length;
    linear.failNext(1);
    expect((await gql(MUTATION, { input: { issueId: 'iss_3', body: 'x' } })).status).toBe(500);
    expect((await gql(MUTATION, { input: { issueId: 'iss_3', body: 'x' } })).status).toBe(200);
    expect(linear.comments.slice(before).map((c) => c.issueId)).toEqual(['iss_3']);
  });
});

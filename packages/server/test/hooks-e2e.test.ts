import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { issueWebhook, sendLinearWebhook, sendSlashCommand, startLinear, startSlack, type LinearStandIn, type SlackStandIn } from '@autopilot/senders-sim';
import type { Batch, HookDelivery, HookEndpointSaved, KeeperAction, Notice, SessionDetail } from '@autopilot/contracts';
import { REPO, startWorld, until, userMessages, type World } from './github-world';

/*
 * Webhooks end to end, on stand-ins that speak each service's wire protocol: a Linear issue labelled `jules` is a
 * signed Linear webhook to the orchestrator; the starter rule launches a session on the Jules simulator (origin
 * webhook, through the batches and the dispatcher); its PR opens on the GitHub simulator; the Linear stand-in's
 * GraphQL API then holds exactly one comment with the PR link, however often the delivery is sent. Slack: `/jules
 * <prompt> [repo]` as a signed slash command, answered in a thread (chat.postMessage with the bot token) once the PR
 * exists. A Standard Webhooks endpoint shows message_session (the keeper's ledger, kind relay) and notify.
 */

const LINEAR_SECRET = 'lin_wh_e2e_0123456789abcdef';
const SLACK_SECRET = 'slack-signing-secret-e2e-0123456789';
const portOf = (url: string) => new URL(url).port;

async function deliveriesOf(w: World, endpointId: string): Promise<HookDelivery[]> {
  const page = await w.api<{ items: Array<{ id: string }> }>('GET', `/api/hooks/endpoints/${endpointId}/deliveries?limit=50`);
  return Promise.all(page.items.map((d) => w.api<HookDelivery>('GET', `/api/hooks/deliveries/${d.id}`)));
}

/** The one delivery of an endpoint once its rules ran (not queued). */
const processed = (w: World, endpointId: string, n = 1) =>
  until(`${n} processed deliveries on ${endpointId}`, async () => {
    const all = await deliveriesOf(w, endpointId);
    return all.length >= n && all.every((d) => d.status !== 'queued') ? all : undefined;
  });

/** The session a rule's batch created, once the dispatcher sent it. */
async function sessionOfBatch(w: World, batchId: string): Promise<SessionDetail> {
  const id = await until(`the session of batch ${batchId}`, async () => (await w.api<Batch>('GET', `/api/batches/${batchId}`)).items[0]?.sessionId);
  return w.api<SessionDetail>('GET', `/api/sessions/${id}`);
}

/** Moves Jules' clock until the session's PR is published (the simulator opens it on the GitHub simulator). */
async function prOf(w: World, sessionId: string): Promise<string> {
  const s = await until(`session ${sessionId} to publish its PR`, async () => {
    w.jules.clock.advance(120_000);
    await w.jules.githubIdle();
    const d = await w.api<SessionDetail>('GET', `/api/sessions/${sessionId}`);
    return d.prUrl ? d : undefined;
  });
  return s.prUrl as string;
}

describe('webhooks end to end: Linear, Slack and Standard Webhooks senders on the Jules and GitHub simulators', () => {
  let w: World;
  let linear: LinearStandIn;
  let slack: SlackStandIn;
  let hooksUrl: (id: string) => string;

  beforeAll(async () => {
    [linear, slack] = await Promise.all([startLinear(), startSlack()]);
    // The stand-ins listen on loopback: allowed explicitly, exactly their ports (the outbound guard still runs).
    w = await startWorld({ AUTOPILOT_OUTBOUND_ALLOW: `127.0.0.1:${portOf(linear.url)},127.0.0.1:${portOf(slack.url)}` });
    hooksUrl = (id) => `${w.t.orch.url}/hooks/${id}`;
  }, 60_000);
  afterAll(async () => {
    await w?.close();
    await linear?.close();
    await slack?.close();
  });

  it('Linear: an issue labelled jules launches a session with its title and description; the issue gets exactly one comment with the PR link', async () => {
    const ep = await w.api<HookEndpointSaved>('POST', '/api/hooks/endpoints', {
      name: 'Linear issues', preset: 'linear', secret: LINEAR_SECRET, repo: REPO, reply: { apiUrl: linear.graphqlUrl, token: linear.apiKey },
    });
    expect(ep.rules.map((r) => r.name)).toEqual(['Issues labelled jules']);
    const issue = { id: 'b5f2c8e4-0000-4000-8000-00000000e2e1', identifier: 'ENG-42', title: 'Add a health check endpoint', description: 'Expose GET /healthz returning 200. [sim:happy]', labels: ['backend', 'jules'] };
    const body = issueWebhook({ action: 'create', issue });
    const first = await sendLinearWebhook(hooksUrl(ep.id), LINEAR_SECRET, body, 'lin-delivery-1');
    expect(first.status).toBe(202);
    // Linear retries a delivery it thinks failed: the same delivery id is one delivery.
    const again = await sendLinearWebhook(hooksUrl(ep.id), LINEAR_SECRET, body, 'lin-delivery-1');
    expect(again.status).toBe(200);
    // An issue without the label matches nothing; a forged signature is refused.
    const other = issueWebhook({ action: 'create', issue: { ...issue, id: 'b5f2c8e4-0000-4000-8000-00000000e2e2', identifier: 'ENG-43', labels: ['backend'] } });
    expect((await sendLinearWebhook(hooksUrl(ep.id), LINEAR_SECRET, other, 'lin-delivery-2')).status).toBe(202);
    expect((await sendLinearWebhook(hooksUrl(ep.id), 'not-the-secret-0123456789', other, 'lin-delivery-3')).status).toBe(401);

    const ds = await processed(w, ep.id, 2);
    expect(ds.map((d) => d.status).sort()).toEqual(['no_match', 'processed']);
    const d = ds.find((x) => x.status === 'processed') as HookDelivery;
    expect(d.matched).toEqual(['Issues labelled jules']);
    expect(d.results).toHaveLength(1);
    expect(d.results[0]).toMatchObject({ kind: 'launch_session', outcome: 'done' });
    const batch = await w.api<Batch>('GET', `/api/batches/${d.results[0].batchId}`);
    expect(batch.origin).toEqual({ kind: 'webhook', id: d.id });

    const session = await sessionOfBatch(w, batch.id);
    expect(session.title).toBe('ENG-42: Add a health check endpoint');
    expect(session.prompt).toContain('Add a health check endpoint');
    expect(session.prompt).toContain('Expose GET /healthz returning 200.');
    expect(session.source).toBe(`sources/github/${REPO}`);

    const pr = await prOf(w, session.id);
    const comment = await until('the Linear comment', () => linear.comments[0]);
    expect(comment.issueId).toBe(issue.id);
    expect(comment.body).toContain(pr);
    expect(comment.body).toContain('ENG-42');

    // More follow-up ticks, a session update and the duplicate delivery again: still one comment.
    expect((await sendLinearWebhook(hooksUrl(ep.id), LINEAR_SECRET, body, 'lin-delivery-1')).status).toBe(200);
    w.jules.clock.advance(600_000);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(linear.comments).toHaveLength(1);
    expect((await deliveriesOf(w, ep.id)).filter((x) => x.status === 'processed')).toHaveLength(1);
  }, 90_000);

  it('Slack: /jules <prompt> <repo> launches a session and answers in the thread when it has a PR', async () => {
    const ep = await w.api<HookEndpointSaved>('POST', '/api/hooks/endpoints', {
      name: 'Slack /jules', preset: 'slack', secret: SLACK_SECRET, reply: { apiUrl: slack.apiUrl, token: slack.token },
    });
    expect(ep.rules[0]).toMatchObject({ name: '/jules', action: { kind: 'slack_command' } });
    const res = await sendSlashCommand(hooksUrl(ep.id), SLACK_SECRET, {
      command: '/jules', text: `Add a CHANGELOG entry for 2.0 [sim:happy] ${REPO}`, responseUrl: slack.responseUrl(), channelId: 'C0E2E', userId: 'U0E2E', userName: 'ada',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ response_type: 'ephemeral' });
    // Without a prompt: the usage, on the command's response URL, ephemeral.
    const usageUrl = slack.responseUrl();
    expect((await sendSlashCommand(hooksUrl(ep.id), SLACK_SECRET, { command: '/jules', text: '   ', responseUrl: usageUrl, channelId: 'C0E2E', userId: 'U0E2E' })).status).toBe(200);

    const ds = await processed(w, ep.id, 2);
    // Both ran the /jules rule: one launched, the other (no prompt) was skipped with the usage.
    expect(ds.map((x) => x.results[0]?.outcome).sort()).toEqual(['done', 'skipped']);
    const launched = ds.find((x) => x.results[0]?.outcome === 'done') as HookDelivery;
    expect(launched.results[0]).toMatchObject({ kind: 'slack_command', detail: expect.stringContaining('a Slack reply follows') });
    const usage = await until('the usage answer', () => slack.responses.find((r) => usageUrl.endsWith(r.id)));
    expect(JSON.stringify(usage.body)).toContain('Usage: /jules');

    const start = await until('the start message in the channel', () => slack.messages[0]);
    expect(start).toMatchObject({ channel: 'C0E2E', thread_ts: null });
    expect(start.text).toContain('<@U0E2E>');
    const session = await sessionOfBatch(w, launched.results[0].batchId as string);
    expect(session.prompt).toBe('Add a CHANGELOG entry for 2.0 [sim:happy]');
    const pr = await prOf(w, session.id);
    const reply = await until('the thread reply', () => slack.messages.find((m) => m.thread_ts === start.ts));
    expect(reply.text).toContain(pr);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(slack.messages.filter((m) => m.thread_ts === start.ts)).toHaveLength(1);
  }, 90_000);

  it('Standard Webhooks: message_session goes through the keeper ledger (relay) once, notify lands in the notification center', async () => {
    const target = await w.api<SessionDetail>('POST', '/api/sessions', { prompt: 'Refactor the cart [sim:happy]', source: REPO, startingBranch: 'main' });
    const ep = await w.api<HookEndpointSaved>('POST', '/api/hooks/endpoints', {
      name: 'Deploys', preset: 'standard', mode: 'all',
      rules: [
        {
          name: 'Tell the session', conditions: [{ path: '$.body.type', op: 'equals', value: 'deploy.failed' }],
          action: { kind: 'message_session', sessionId: '{{session}}', message: 'The staging deploy of {{service}} failed: {{reason}}', extract: { session: '$.body.session', service: '$.body.service', reason: '$.body.reason' } },
        },
        {
          name: 'Tell people', conditions: [{ path: '$.body.type', op: 'equals', value: 'deploy.failed' }],
          action: { kind: 'notify', severity: 'critical', title: 'Deploy of {{service}} failed', body: '{{reason}}', extract: { service: '$.body.service', reason: '$.body.reason' } },
        },
      ],
    });
    const secret = ep.secret as string;
    const send = async (id: string, payload: unknown) => {
      const body = JSON.stringify(payload);
      const at = new Date();
      return fetch(hooksUrl(ep.id), {
        method: 'POST', body,
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) },
      });
    };
    const before = (await userMessages(w, target.julesId)).length;
    expect((await send('msg_e2e_1', { type: 'deploy.failed', session: target.id, service: 'cart', reason: 'health check timed out' })).status).toBe(202);
    const [d] = await processed(w, ep.id, 1);
    expect(d.status).toBe('processed');
    expect(d.results.map((r) => [r.kind, r.outcome])).toEqual([['message_session', 'done'], ['notify', 'done']]);
    await until('the relayed message on Jules', async () => (await userMessages(w, target.julesId)).length === before + 1);
    expect((await userMessages(w, target.julesId)).at(-1)).toBe('The staging deploy of cart failed: health check timed out');
    const relays = await w.api<{ items: KeeperAction[] }>('GET', '/api/keeper/logs?action=relay&limit=50');
    expect(relays.items.filter((a) => a.sessionId === target.id)).toHaveLength(1);
    const notices = await w.api<{ items: Notice[] }>('GET', '/api/notifications?limit=50');
    const n = notices.items.find((x) => x.title === 'Deploy of cart failed');
    expect(n).toMatchObject({ severity: 'critical', source: 'hooks', body: 'health check timed out' });
  }, 60_000);
});

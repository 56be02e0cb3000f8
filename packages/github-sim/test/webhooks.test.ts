import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NAME, OWNER, REPO, startReceiver, startSim, type Harness, type Received } from './helpers.ts';

const SECRET = 'hook-secret-1';
let h: Harness;
let rx: Awaited<ReturnType<typeof startReceiver>>;
beforeEach(async () => {
  rx = await startReceiver();
  h = await startSim({ repos: [{ owner: OWNER, name: NAME, protection: { requiredChecks: ['build'], requiredApprovals: 0 }, hooks: [{ url: rx.url, secret: SECRET }] }] });
});
afterEach(async () => {
  await h.close();
  await rx.close();
});

/** What a receiver does: HMAC-SHA256 of the exact body bytes, compared in constant time. */
function verified(r: Received, secret = SECRET): boolean {
  const got = Buffer.from(String(r.headers['x-hub-signature-256'] ?? ''));
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

const kinds = (list: Received[]) => list.map((r) => {
  const body = JSON.parse(r.body);
  return `${r.headers['x-github-event']}${body.action ? `.${body.action}` : ''}`;
});

describe('webhooks', () => {
  it('each event kind arrives signed with X-Hub-Signature-256, with X-GitHub-Event and a uuid X-GitHub-Delivery', async () => {
    h.sim.setCi(REPO, { conclusion: 'success', checks: ['build'], delaySeconds: 10 });
    const pr = h.sim.openPull(REPO, { branch: 'feat', files: { a: '1' }, title: 'Feat' });
    h.sim.pushToPull(REPO, pr.number, { a: '2' });
    h.sim.addLabels(REPO, pr.number, ['autopilot']);
    h.sim.addReview(REPO, pr.number, { user: 'alice', state: 'APPROVED' });
    await h.gh.issues.createComment({ owner: OWNER, repo: NAME, issue_number: pr.number, body: 'hello' });
    h.sim.advance(10);
    await h.gh.pulls.merge({ owner: OWNER, repo: NAME, pull_number: pr.number });
    await h.sim.webhooksIdle();
    const got = kinds(rx.received);
    for (const k of ['push', 'pull_request.opened', 'pull_request.synchronize', 'pull_request.labeled', 'pull_request_review.submitted',
      'issue_comment.created', 'check_run.completed', 'check_suite.completed', 'workflow_run.completed', 'pull_request.closed']) {
      expect(got, k).toContain(k);
    }
    expect(got.filter((k) => k === 'check_run.completed')).toHaveLength(2);
    for (const r of rx.received) {
      expect(verified(r)).toBe(true);
      expect(verified(r, 'another-secret')).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-github-delivery']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(new Set(rx.received.map((r) => r.headers['x-github-delivery'])).size).toBe(rx.received.length);
    const payload = (k: string) => JSON.parse(rx.received[got.indexOf(k)].body);
    expect(payload('pull_request.opened')).toMatchObject({ number: pr.number, pull_request: { title: 'Feat', head: { ref: 'feat' } }, repository: { full_name: REPO } });
    expect(payload('pull_request.synchronize').after).not.toBe(payload('pull_request.synchronize').before);
    expect(payload('pull_request.labeled').label.name).toBe('autopilot');
    expect(payload('pull_request.closed').pull_request.merged).toBe(true);
    expect(payload('check_run.completed').check_run).toMatchObject({ name: 'build', conclusion: 'success' });
    // The run on the PR's current head names the PR (the first push's run no longer does, its SHA is not the head).
    const runs = rx.received.filter((r) => r.headers['x-github-event'] === 'check_run').map((r) => JSON.parse(r.body).check_run);
    const head = payload('pull_request.synchronize').after;
    expect(runs.map((r) => [r.head_sha === head, r.pull_requests.map((p: { number: number }) => p.number)])).toEqual([[false, []], [true, [pr.number]]]);
    expect(payload('workflow_run.completed').workflow_run).toMatchObject({ head_branch: 'feat', conclusion: 'success' });
    expect(payload('issue_comment.created').comment).toMatchObject({ body: 'hello', user: { login: 'octo-bot' } });
    expect(h.sim.deliveries().every((d) => d.status === 200)).toBe(true);
  });

  it('a redelivery keeps the delivery id, body and signature; an unreachable receiver is logged with status 0', async () => {
    h.sim.openPull(REPO, { branch: 'x', files: { a: '1' } });
    await h.sim.webhooksIdle();
    const opened = h.sim.deliveries().find((d) => d.event === 'pull_request' && d.action === 'opened')!;
    const before = rx.received.length;
    const again = h.sim.redeliver(opened.id);
    expect(again.redelivery).toBe(true);
    await h.sim.webhooksIdle();
    expect(rx.received).toHaveLength(before + 1);
    const last = rx.received.at(-1)!;
    const firstCopy = rx.received.find((r) => r.headers['x-github-delivery'] === opened.id)!;
    expect(last.headers['x-github-delivery']).toBe(opened.id);
    expect(last.body).toBe(firstCopy.body);
    expect(last.headers['x-hub-signature-256']).toBe(firstCopy.headers['x-hub-signature-256']);
    expect(verified(last)).toBe(true);
    expect(h.sim.deliveries().filter((d) => d.id === opened.id).map((d) => d.redelivery)).toEqual([false, true]);
    expect(() => h.sim.redeliver('00000000-0000-4000-a000-000000000000')).toThrow('Not Found');

    await rx.close();
    h.sim.addLabels(REPO, 1, ['late']);
    await h.sim.webhooksIdle();
    const lost = h.sim.deliveries({ event: 'pull_request' }).at(-1)!;
    expect(lost).toMatchObject({ action: 'labeled', status: 0 });
    expect(lost.error).toBeTruthy();
    rx = await startReceiver();
  });

  it('POST /_sim/deliveries/{id}/redeliver over HTTP and GET /_sim/deliveries', async () => {
    h.sim.addHook(REPO, { url: rx.url, secret: 'second', events: ['issue_comment'] });
    h.sim.openPull(REPO, { branch: 'y', files: {} });
    h.sim.comment(REPO, 1, 'hi');
    await h.sim.webhooksIdle();
    const list = (await (await fetch(`${h.baseUrl}/_sim/deliveries?event=issue_comment`)).json()).deliveries;
    expect(list).toHaveLength(2);
    const second = rx.received.filter((r) => r.headers['x-github-hook-id'] === String(list[1].hookId));
    expect(second.every((r) => verified(r, 'second'))).toBe(true);
    const res = await fetch(`${h.baseUrl}/_sim/deliveries/${list[1].id}/redeliver`, { method: 'POST' });
    expect((await res.json()).id).toBe(list[1].id);
    await h.sim.webhooksIdle();
    expect(rx.received.at(-1)!.headers['x-github-delivery']).toBe(list[1].id);
  });
});

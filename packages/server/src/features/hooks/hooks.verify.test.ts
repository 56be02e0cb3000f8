import { describe, expect, it } from 'vitest';
import { sign } from './hooks.testing';
import { parseBody, verify } from './hooks.verify';
import { redactHeaders, redactPayload } from './hooks.redact';

const SECRET = 'a-sender-secret-0123456789';
const OTHER = 'not-the-secret-9876543210';
const STD = `whsec_${Buffer.from('standard-webhooks-secret-bytes!!').toString('base64')}`;
const STD_OTHER = `whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}`;
const now = Date.now();
const b = (s: string) => Buffer.from(s);

describe('hooks.verify', () => {
  it('slack: v0 HMAC over "v0:ts:body"; tampered, wrong secret, stale (> 5 min) refused; ids from event_id, trigger_id or the body hash', () => {
    const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention', text: 'hi' } });
    const ok = verify('slack', SECRET, sign.slack(SECRET, body, now), b(body), now);
    expect(ok).toMatchObject({ ok: true, deliveryId: 'Ev1', event: 'app_mention' });
    expect(verify('slack', SECRET, sign.slack(SECRET, body, now), b(body.replace('hi', 'ho')), now)).toMatchObject({ ok: false });
    expect(verify('slack', SECRET, sign.slack(OTHER, body, now), b(body), now)).toMatchObject({ ok: false });
    expect(verify('slack', SECRET, sign.slack(SECRET, body, now - 6 * 60_000), b(body), now)).toEqual({ ok: false, reason: 'stale timestamp' });
    expect(verify('slack', SECRET, {}, b(body), now)).toMatchObject({ ok: false });
    const form = 'command=%2Fjules&text=fix+login&trigger_id=T123&token=verif-token';
    const cmd = verify('slack', SECRET, sign.slack(SECRET, form, now, 'application/x-www-form-urlencoded'), b(form), now);
    expect(cmd).toMatchObject({ ok: true, deliveryId: 'T123', event: '/jules', payload: { command: '/jules', text: 'fix login' } });
    const bare = JSON.stringify({ type: 'block_actions' });
    const hashed = verify('slack', SECRET, sign.slack(SECRET, bare, now), b(bare), now);
    expect(hashed.ok === true && /^[0-9a-f]{64}$/.test(hashed.deliveryId)).toBe(true);
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc' });
    expect(verify('slack', SECRET, sign.slack(SECRET, challenge, now), b(challenge), now)).toMatchObject({ ok: true, challenge: 'abc' });
  });

  it('linear: hex HMAC of the body; webhookTimestamp within 60 s; id from Linear-Delivery', () => {
    const body = JSON.stringify({ type: 'Issue', action: 'create', webhookTimestamp: now, data: { title: 'x' } });
    expect(verify('linear', SECRET, sign.linear(SECRET, body, 'lin-1'), b(body), now)).toMatchObject({ ok: true, deliveryId: 'lin-1', event: 'Issue.create' });
    expect(verify('linear', SECRET, sign.linear(SECRET, body, 'lin-1'), b(body.replace('"x"', '"y"')), now)).toMatchObject({ ok: false });
    expect(verify('linear', SECRET, sign.linear(OTHER, body, 'lin-1'), b(body), now)).toMatchObject({ ok: false });
    const old = JSON.stringify({ type: 'Issue', action: 'create', webhookTimestamp: now - 61_000 });
    expect(verify('linear', SECRET, sign.linear(SECRET, old, 'lin-2'), b(old), now)).toEqual({ ok: false, reason: 'stale timestamp' });
  });

  // Jira and GitHub sign only the body: they send no signed time, so there is no stale case; the delivery id stops replays.
  it('jira: X-Hub-Signature sha256=; id from X-Atlassian-Webhook-Identifier', () => {
    const body = JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { key: 'P-1' } });
    expect(verify('jira', SECRET, sign.jira(SECRET, body, 'j-1'), b(body), now)).toMatchObject({ ok: true, deliveryId: 'j-1', event: 'jira:issue_created' });
    expect(verify('jira', SECRET, sign.jira(SECRET, body, 'j-1'), b(`${body} `), now)).toMatchObject({ ok: false });
    expect(verify('jira', SECRET, sign.jira(OTHER, body, 'j-1'), b(body), now)).toMatchObject({ ok: false });
  });

  it('github: X-Hub-Signature-256; id and event from the headers', () => {
    const body = JSON.stringify({ action: 'opened' });
    expect(verify('github', SECRET, sign.github(SECRET, body, 'g-1'), b(body), now)).toMatchObject({ ok: true, deliveryId: 'g-1', event: 'issues' });
    expect(verify('github', SECRET, sign.github(SECRET, body, 'g-1'), b('{"action":"closed"}'), now)).toMatchObject({ ok: false });
    expect(verify('github', SECRET, sign.github(OTHER, body, 'g-1'), b(body), now)).toMatchObject({ ok: false });
    expect(verify('github', SECRET, { 'x-hub-signature-256': 'sha256=zz' }, b(body), now)).toMatchObject({ ok: false });
  });

  it('standard: signed with the standardwebhooks package; tampered, wrong secret, stale refused', () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 1 } });
    expect(verify('standard', STD, sign.standard(STD, body, 'msg_1', now), b(body), now)).toMatchObject({ ok: true, deliveryId: 'msg_1', event: 'invoice.paid' });
    expect(verify('standard', STD, sign.standard(STD, body, 'msg_1', now), b(body.replace('1', '2')), now)).toMatchObject({ ok: false });
    expect(verify('standard', STD, sign.standard(STD_OTHER, body, 'msg_1', now), b(body), now)).toMatchObject({ ok: false });
    expect(verify('standard', STD, sign.standard(STD, body, 'msg_1', now - 10 * 60_000), b(body), now)).toEqual({ ok: false, reason: 'stale timestamp' });
  });

  it('a valid signature over malformed JSON is "malformed" (a 400), not a refusal', () => {
    expect(verify('github', SECRET, sign.github(SECRET, '{nope', 'g-2'), b('{nope'), now)).toMatchObject({ ok: 'malformed' });
    expect(parseBody(b('a=1&b=2'), 'application/x-www-form-urlencoded')).toEqual({ value: { a: '1', b: '2' }, form: true });
  });

  it('redaction: credential headers and secret-looking payload keys at any depth', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'X-Hub-Signature-256': 'sha256=ab', 'X-GitHub-Event': 'push', Cookie: 'c' })).toEqual({
      authorization: '[redacted]', 'x-hub-signature-256': '[redacted]', 'x-github-event': 'push', cookie: '[redacted]',
    });
    expect(redactPayload({ token: 't', nested: [{ api_key: 'k', password: 'p', title: 'keep' }], client_secret: 's' })).toEqual({
      token: '[redacted]', nested: [{ api_key: '[redacted]', password: '[redacted]', title: 'keep' }], client_secret: '[redacted]',
    });
  });
});

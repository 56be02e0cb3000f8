import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { startSmtpSink, startWebhookReceiver, type SmtpSink, type WebhookReceiver } from '../src';

describe('webhook receiver stand-in', () => {
  let rx: WebhookReceiver;
  beforeAll(async () => void (rx = await startWebhookReceiver()));
  afterAll(async () => rx.close());

  it('records requests, fails on demand (503 or dropped connection), then answers 200 again', async () => {
    const post = (path = '/hook', body = '{"a":1}') => fetch(`${rx.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body });
    expect((await post()).status).toBe(200);
    rx.down(1);
    expect((await post()).status).toBe(503);
    rx.down(1, 'drop');
    await expect(post()).rejects.toThrow();
    rx.down();
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(503);
    rx.up();
    expect((await post()).status).toBe(200);
    expect(rx.requests.map((r) => r.status)).toEqual([200, 503, 0, 503, 503, 200]);
    expect(rx.requests[0]).toMatchObject({ method: 'POST', path: '/hook', body: '{"a":1}' });
    expect(rx.requests[0]!.headers['x-test']).toBe('yes');
  });

  it('answers like a Slack incoming webhook on /services/ paths', async () => {
    const ok = await fetch(`${rx.url}/services/T1/B2/xyz`, { method: 'POST', body: JSON.stringify({ text: 'hi' }) });
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    const bad = await fetch(`${rx.url}/services/T1/B2/xyz`, { method: 'POST', body: 'not json' });
    expect([bad.status, await bad.text()]).toEqual([400, 'invalid_payload']);
  });
});

describe('SMTP sink stand-in', () => {
  let sink: SmtpSink;
  beforeAll(async () => void (sink = await startSmtpSink()));
  afterAll(async () => sink.close());

  it('collects a nodemailer message with envelope, subject, text and html', async () => {
    const t = nodemailer.createTransport(sink.url);
    await t.sendMail({ from: 'autopilot@example.com', to: ['a@example.com', 'b@example.com'], subject: 'Channel disabled — ünïcode', text: 'Plain body\nline 2', html: '<p>Plain &amp; body</p>' });
    t.close();
    expect(sink.messages).toHaveLength(1);
    const m = sink.messages[0]!;
    expect(m.from).toBe('autopilot@example.com');
    expect(m.to).toEqual(['a@example.com', 'b@example.com']);
    expect(m.subject).toBe('Channel disabled — ünïcode');
    expect(m.text.replace(/\r\n/g, '\n').trim()).toBe('Plain body\nline 2');
    expect(m.html).toContain('<p>Plain &amp; body</p>');
  });

  it('requires AUTH when configured', async () => {
    const authed = await startSmtpSink({ auth: { user: 'u', pass: 'p' } });
    try {
      const wrong = nodemailer.createTransport(`smtp://u:nope@127.0.0.1:${authed.port}`);
      await expect(wrong.sendMail({ from: 'x@example.com', to: 'y@example.com', subject: 's', text: 't' })).rejects.toThrow();
      const right = nodemailer.createTransport(authed.url);
      await right.sendMail({ from: 'x@example.com', to: 'y@example.com', subject: 's', text: 't' });
      expect(authed.messages.map((m) => m.subject)).toEqual(['s']);
    } finally {
      await authed.close();
    }
  });
});

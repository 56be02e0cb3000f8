import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import type { AppEvent } from '@autopilot/contracts';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { findOutboundError, type Outbound } from '../../platform/outbound';
import { emailMessage, slackMessage } from './channels.format';

/** A channel's sealed configuration, opened. */
export type ChannelConfig = { kind: 'slack'; url: string } | { kind: 'webhook'; url: string; secret: string } | { kind: 'email'; to: string[] };

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  /** Why it failed, in our words: never the upstream body. */
  error: string | null;
}

export const SEND_TIMEOUT_MS = 15_000;

export interface SenderDeps {
  outbound: Outbound;
  clock: Clock;
  log: Logger;
  smtp?: { url: string; from: string };
  publicUrl?: string;
}

/** Sends one envelope to one channel, once; never throws. */
export function createSender(deps: SenderDeps) {
  let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
  const mailer = () => (transport ??= nodemailer.createTransport(deps.smtp!.url));

  async function post(url: string, headers: Record<string, string>, body: string): Promise<Omit<AttemptOutcome, 'durationMs'>> {
    const res = await deps.outbound.fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
    await res.body?.cancel().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, statusCode: res.status, error: ok ? null : `HTTP ${res.status}` };
  }

  async function once(config: ChannelConfig, msgId: string, event: AppEvent): Promise<Omit<AttemptOutcome, 'durationMs'>> {
    if (config.kind === 'webhook') {
      const body = JSON.stringify(event);
      const at = new Date(deps.clock.now());
      const signature = new Webhook(config.secret).sign(msgId, at, body);
      return post(config.url, {
        'content-type': 'application/json',
        'user-agent': 'jules-autopilot-webhooks',
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      }, body);
    }
    if (config.kind === 'slack') return post(config.url, { 'content-type': 'application/json' }, JSON.stringify(slackMessage(event, deps.publicUrl)));
    if (!deps.smtp) return { ok: false, statusCode: null, error: 'SMTP_URL is not configured' };
    const m = emailMessage(event, deps.publicUrl);
    await mailer().sendMail({ from: deps.smtp.from, to: config.to, subject: m.subject, text: m.text, html: m.html, messageId: `<${msgId}@autopilot>` });
    return { ok: true, statusCode: null, error: null };
  }

  return {
    async send(config: ChannelConfig, msgId: string, event: AppEvent): Promise<AttemptOutcome> {
      const started = performance.now();
      let out: Omit<AttemptOutcome, 'durationMs'>;
      try {
        out = await once(config, msgId, event);
      } catch (err) {
        const unreachable = findOutboundError(err);
        const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        deps.log.debug({ err, reason: unreachable?.reason, kind: config.kind }, 'channel send failed');
        out = { ok: false, statusCode: null, error: unreachable ? unreachable.message : timeout ? 'timed out' : config.kind === 'email' ? 'SMTP delivery failed' : 'request failed' };
      }
      return { ...out, durationMs: Math.round(performance.now() - started) };
    },
    close() {
      transport?.close();
    },
  };
}
export type Sender = ReturnType<typeof createSender>;

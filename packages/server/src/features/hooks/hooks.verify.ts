import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { HookPreset } from '@autopilot/contracts';
import { Webhook } from 'standardwebhooks';

/**
 * Signature checks per sender: pure functions of (secret, headers, raw body, now). A refusal never says why to the
 * sender (the intake answers one 401 for all), only `reason` for the log.
 */
export type Verified = { ok: true; deliveryId: string; event: string | null; payload: unknown; challenge?: string } | { ok: false; reason: string } | { ok: 'malformed'; message: string };

export const SLACK_WINDOW_MS = 5 * 60_000;
export const LINEAR_WINDOW_MS = 60_000;
export const STANDARD_WINDOW_MS = 5 * 60_000;

const hmacHex = (secret: string, data: Buffer | string) => createHmac('sha256', secret).update(data).digest();
/** Compares a hex signature with the expected digest in constant time (a malformed one is simply unequal). */
function hexEqual(got: string | undefined, want: Buffer): boolean {
  if (!got || !/^[0-9a-fA-F]+$/.test(got) || got.length !== want.length * 2) return false;
  return timingSafeEqual(Buffer.from(got, 'hex'), want);
}
export const bodyHash = (raw: Buffer, prefix = '') => createHash('sha256').update(prefix).update(raw).digest('hex');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 200): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);

/** JSON, or (Slack slash commands, interactivity) form fields; undefined = malformed. */
export function parseBody(raw: Buffer, contentType: string | undefined): { value: unknown; form: boolean } | undefined {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const text = raw.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(text)) out[k] = v;
    if (typeof out.payload === 'string' && out.payload.startsWith('{')) {
      try {
        return { value: { ...out, payload: JSON.parse(out.payload) as unknown }, form: true };
      } catch {
        return undefined;
      }
    }
    return { value: out, form: true };
  }
  try {
    return { value: JSON.parse(text) as unknown, form: false };
  } catch {
    return undefined;
  }
}

const malformed: Verified = { ok: 'malformed', message: 'The body is not valid JSON (or form fields)' };

export function verifySlack(secret: string, h: Record<string, string>, raw: Buffer, nowMs: number): Verified {
  const ts = h['x-slack-request-timestamp'];
  if (!ts || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'missing timestamp' };
  if (Math.abs(nowMs - Number(ts) * 1000) > SLACK_WINDOW_MS) return { ok: false, reason: 'stale timestamp' };
  const sig = h['x-slack-signature'];
  if (!sig?.startsWith('v0=')) return { ok: false, reason: 'missing signature' };
  const want = hmacHex(secret, Buffer.concat([Buffer.from(`v0:${ts}:`), raw]));
  if (!hexEqual(sig.slice(3), want)) return { ok: false, reason: 'bad signature' };
  const parsed = parseBody(raw, h['content-type']);
  if (!parsed) return malformed;
  const p = isObj(parsed.value) ? parsed.value : {};
  if (p.type === 'url_verification' && typeof p.challenge === 'string') return { ok: true, deliveryId: `challenge:${bodyHash(raw, ts)}`, event: 'url_verification', payload: parsed.value, challenge: p.challenge.slice(0, 500) };
  const event = parsed.form ? str(p.command) ?? str(isObj(p.payload) ? p.payload.type : null) : str(isObj(p.event) ? p.event.type : null) ?? str(p.type);
  const id = str(p.event_id) ?? str(p.trigger_id) ?? bodyHash(raw, ts);
  return { ok: true, deliveryId: id, event, payload: parsed.value };
}

export function verifyLinear(secret: string, h: Record<string, string>, raw: Buffer, nowMs: number): Verified {
  if (!hexEqual(h['linear-signature'], hmacHex(secret, raw))) return { ok: false, reason: 'bad signature' };
  const parsed = parseBody(raw, 'application/json');
  if (!parsed) return malformed;
  const p = isObj(parsed.value) ? parsed.value : {};
  const ts = typeof p.webhookTimestamp === 'number' ? p.webhookTimestamp : Number.NaN;
  if (!Number.isFinite(ts) || Math.abs(nowMs - ts) > LINEAR_WINDOW_MS) return { ok: false, reason: 'stale timestamp' };
  const event = str(p.type) && str(p.action) ? `${str(p.type)}.${str(p.action)}` : str(p.type);
  return { ok: true, deliveryId: str(h['linear-delivery']) ?? bodyHash(raw), event, payload: parsed.value };
}

function verifyHubSignature(secret: string, header: string | undefined, raw: Buffer): boolean {
  if (!header?.startsWith('sha256=')) return false;
  return hexEqual(header.slice(7), hmacHex(secret, raw));
}

/** Jira Cloud signs the body (X-Hub-Signature, `sha256=`) but sends no signed time: replays are stopped by the id. */
export function verifyJira(secret: string, h: Record<string, string>, raw: Buffer): Verified {
  if (!verifyHubSignature(secret, h['x-hub-signature'], raw)) return { ok: false, reason: 'bad signature' };
  const parsed = parseBody(raw, 'application/json');
  if (!parsed) return malformed;
  const p = isObj(parsed.value) ? parsed.value : {};
  return { ok: true, deliveryId: str(h['x-atlassian-webhook-identifier']) ?? bodyHash(raw), event: str(p.webhookEvent), payload: parsed.value };
}

/** GitHub signs the body only (no time): replays are stopped by X-GitHub-Delivery. */
export function verifyGithub(secret: string, h: Record<string, string>, raw: Buffer): Verified {
  if (!verifyHubSignature(secret, h['x-hub-signature-256'], raw)) return { ok: false, reason: 'bad signature' };
  const parsed = parseBody(raw, h['content-type']);
  if (!parsed) return malformed;
  return { ok: true, deliveryId: str(h['x-github-delivery']) ?? bodyHash(raw), event: str(h['x-github-event']), payload: parsed.value };
}

/** Standard Webhooks through the `standardwebhooks` package; the time window is also checked against our clock. */
export function verifyStandard(secret: string, h: Record<string, string>, raw: Buffer, nowMs: number): Verified {
  const id = h['webhook-id'];
  const ts = h['webhook-timestamp'];
  if (!id || !ts || !h['webhook-signature'] || !/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'missing headers' };
  if (Math.abs(nowMs - Number(ts) * 1000) > STANDARD_WINDOW_MS) return { ok: false, reason: 'stale timestamp' };
  try {
    new Webhook(secret).verify(raw, { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': h['webhook-signature'] }, { jsonParse: false });
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : 'bad signature' };
  }
  const parsed = parseBody(raw, 'application/json');
  if (!parsed) return malformed;
  const p = isObj(parsed.value) ? parsed.value : {};
  return { ok: true, deliveryId: id.slice(0, 200), event: str(p.type), payload: parsed.value };
}

export function verify(preset: HookPreset, secret: string, headers: Record<string, string>, raw: Buffer, nowMs: number): Verified {
  switch (preset) {
    case 'slack':
      return verifySlack(secret, headers, raw, nowMs);
    case 'linear':
      return verifyLinear(secret, headers, raw, nowMs);
    case 'jira':
      return verifyJira(secret, headers, raw);
    case 'github':
      return verifyGithub(secret, headers, raw);
    case 'standard':
      return verifyStandard(secret, headers, raw, nowMs);
  }
}

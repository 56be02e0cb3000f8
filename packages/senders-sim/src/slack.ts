import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { listenLocal } from './serve';
import { Hono } from 'hono';

/** One chat.postMessage call the stand-in accepted. */
export interface SlackMessage {
  channel: string;
  text: string;
  thread_ts: string | null;
  ts: string;
  /** The token it was sent with (from the Authorization header or the `token` form field). */
  token: string;
  blocks?: unknown;
}

export interface SlackStandIn {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api`: the Web API base (chat.postMessage at `${apiUrl}/chat.postMessage`). */
  apiUrl: string;
  /** The bot token it accepts (default `xoxb-test-token`). */
  token: string;
  /** Accepted chat.postMessage calls, in order. */
  messages: SlackMessage[];
  /** Accepted POSTs to response URLs, in order: the id from the URL and the JSON body. */
  responses: Array<{ id: string; body: unknown }>;
  /** A fresh response_url on this stand-in: `${url}/commands/<random id>`. */
  responseUrl(): string;
  /** The next `n` Web API calls answer HTTP 429, `Retry-After: 1`, `{ ok: false, error: 'ratelimited' }`. */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** Slack lets a response_url be used this many times; the next post is refused (404 `used_url`). */
export const RESPONSE_URL_MAX_POSTS = 5;

type Fields = Record<string, unknown>;

/** Web API arguments: JSON (the token only in the header, as Slack wants) or form fields (token allowed there too). */
function apiArgs(contentType: string, raw: string): { args: Fields; formToken: string | null } {
  if (contentType.split(';')[0]!.trim().toLowerCase() === 'application/json') {
    try {
      const v = JSON.parse(raw) as unknown;
      return { args: typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : {}, formToken: null };
    } catch {
      return { args: {}, formToken: null };
    }
  }
  const args: Fields = {};
  for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
  // Form posts carry blocks as a JSON string.
  if (typeof args.blocks === 'string') {
    try {
      args.blocks = JSON.parse(args.blocks) as unknown;
    } catch {
      delete args.blocks;
    }
  }
  return { args, formToken: typeof args.token === 'string' ? args.token : null };
}

const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * A Slack stand-in on 127.0.0.1: the Web API's chat.postMessage (and auth.test) under `/api`, answering HTTP 200
 * with `ok` true or false like Slack, and response URLs under `/commands/<id>` for slash-command replies.
 */
export async function startSlack(o: { token?: string } = {}): Promise<SlackStandIn> {
  const token = o.token ?? 'xoxb-test-token';
  const messages: SlackMessage[] = [];
  const responses: Array<{ id: string; body: unknown }> = [];
  /** response_url id -> posts accepted so far. */
  const responseUrls = new Map<string, number>();
  let failing = 0;
  let lastMicros = 0;
  /** Slack's message ts: `${seconds}.${6 digits}`, here unique and increasing even within one microsecond. */
  const nextTs = () => {
    lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  const app = new Hono();
  app.all('/api/:method', async (c) => {
    if (failing > 0) {
      failing--;
      return c.json({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': '1' });
    }
    const method = c.req.param('method');
    const { args, formToken } = apiArgs(c.req.header('content-type') ?? '', c.req.method === 'POST' ? await c.req.text() : '');
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? null;
    const sent = bearer ?? formToken ?? c.req.query('token') ?? null;
    if (method !== 'chat.postMessage' && method !== 'auth.test') return c.json({ ok: false, error: 'unknown_method', req_method: method });
    if (!sent) return c.json({ ok: false, error: 'not_authed' });
    if (sent !== token) return c.json({ ok: false, error: 'invalid_auth' });
    if (method === 'auth.test') return c.json({ ok: true, url: 'https://test-team.slack.com/', team: 'Test Team', user: 'autopilot', team_id: 'T0000000001', user_id: 'U0000000001', bot_id: 'B0000000001' });

    const channel = nonEmpty(args.channel);
    if (!channel) return c.json({ ok: false, error: 'channel_not_found' });
    const text = typeof args.text === 'string' ? args.text : '';
    const blocks = Array.isArray(args.blocks) && args.blocks.length > 0 ? args.blocks : undefined;
    if (!text && !blocks) return c.json({ ok: false, error: 'no_text' });
    const threadTs = nonEmpty(args.thread_ts);
    const ts = nextTs();
    messages.push({ channel, text, thread_ts: threadTs, ts, token: sent, ...(blocks ? { blocks } : {}) });
    return c.json({
      ok: true,
      channel,
      ts,
      message: { type: 'message', bot_id: 'B0000000001', text, ts, ...(threadTs ? { thread_ts: threadTs } : {}), ...(blocks ? { blocks } : {}) },
    });
  });

  // Slack answers response_url posts in plain text: `ok`, or an error word with a 4xx status.
  app.post('/commands/:id', async (c) => {
    const id = c.req.param('id');
    const used = responseUrls.get(id);
    if (used === undefined) return c.text('no_service', 404);
    if (used >= RESPONSE_URL_MAX_POSTS) return c.text('used_url', 404);
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text()) as unknown;
    } catch {
      return c.text('invalid_payload', 400);
    }
    const b = typeof body === 'object' && body !== null ? (body as Fields) : {};
    if (typeof b.text !== 'string' && !Array.isArray(b.blocks)) return c.text('no_text', 400);
    responseUrls.set(id, used + 1);
    responses.push({ id, body });
    return c.text('ok');
  });

  const { url, close } = await listenLocal(app);
  return {
    url,
    apiUrl: `${url}/api`,
    token,
    messages,
    responses,
    responseUrl() {
      const id = randomBytes(12).toString('hex');
      responseUrls.set(id, 0);
      return `${url}/commands/${id}`;
    },
    failNext(n: number) {
      failing = n;
    },
    close,
  };
}

/** What a slash command carries; the rest of Slack's fields get fixed test values. */
export interface SlashCommand {
  command: string;
  text: string;
  responseUrl: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  teamId?: string;
  /** Unique per command unless given; the orchestrator uses it as the delivery id. */
  triggerId?: string;
}

/** A trigger id shaped like Slack's (`<digits>.<digits>.<hex>`), random so each command is a new delivery. */
const newTriggerId = () => `${randomInt(1e9, 1e10)}.${randomInt(1e8, 1e9)}.${randomBytes(16).toString('hex')}`;

/**
 * The x-www-form-urlencoded body Slack sends for a slash command (fields: token, team_id, team_domain, channel_id,
 * channel_name, user_id, user_name, command, text, api_app_id, is_enterprise_install, response_url, trigger_id).
 */
export function slashCommandBody(c: SlashCommand): string {
  return new URLSearchParams({
    // The deprecated verification token Slack still sends; signed requests make it irrelevant.
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    team_id: c.teamId ?? 'T0000000001',
    team_domain: 'test-team',
    channel_id: c.channelId ?? 'C0000000001',
    channel_name: c.channelName ?? 'general',
    user_id: c.userId ?? 'U0000000002',
    user_name: c.userName ?? 'alice',
    command: c.command,
    text: c.text,
    api_app_id: 'A0000000001',
    is_enterprise_install: 'false',
    response_url: c.responseUrl,
    trigger_id: c.triggerId ?? newTriggerId(),
  }).toString();
}

/**
 * Slack's request-signing headers for `body` at `nowMs`: content-type (default application/x-www-form-urlencoded),
 * x-slack-request-timestamp, x-slack-signature v0=hex(HMAC-SHA256(secret, `v0:${ts}:${body}`)).
 */
export function signSlack(secret: string, body: string, nowMs = Date.now(), contentType = 'application/x-www-form-urlencoded'): Record<string, string> {
  const ts = String(Math.floor(nowMs / 1000));
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': ts,
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
  };
}

/** POSTs a signed slash command to `url` (an orchestrator /hooks/{id}); returns the fetch Response. */
export function sendSlashCommand(url: string, secret: string, c: SlashCommand, nowMs?: number): Promise<Response> {
  const body = slashCommandBody(c);
  return fetch(url, { method: 'POST', headers: { ...signSlack(secret, body, nowMs), 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)' }, body });
}

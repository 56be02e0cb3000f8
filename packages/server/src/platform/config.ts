import { z } from 'zod';
import path from 'node:path';
import { parseAllowList } from './outbound/allow';

/**
 * The whole configuration, parsed once at start. This is the only module that reads process.env
 * (eslint enforces it); everything else receives a `Config`.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const urlWithProtocols = (protocols: string[]) =>
  optionalString.refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)), {
    message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Serve the dashboard from this directory instead of the build in packages/dashboard/dist (a custom or newer build). */
  DASHBOARD_DIR: optionalString,
  DATABASE_URL: urlWithProtocols(['postgres', 'postgresql']),
  REDIS_URL: urlWithProtocols(['redis', 'rediss']),
  /** Namespace for every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, : _ - only').default('autopilot'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Human-readable logs; unset = pretty when stdout is a terminal, JSON lines otherwise (files, containers). */
  LOG_PRETTY: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? Boolean(process.stdout.isTTY) : v === 'true' || v === '1')),
  AUTOPILOT_ADMIN_KEY: optionalString.refine((v) => v === undefined || v.length >= 16, { message: 'must be at least 16 characters' }),
  AUTOPILOT_MASTER_KEY: optionalString.refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32, {
    message: 'must be 32 bytes as 64 hex characters or base64',
  }),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** The largest export file POST /api/import takes (features/transfer). */
  IMPORT_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
  /** The URL people reach this server at when it is not where it listens (behind a proxy): listed in the API document's servers. */
  AUTOPILOT_PUBLIC_URL: urlWithProtocols(['http', 'https']).transform((v) => v?.replace(/\/+$/, '')),
  /**
   * Private destinations that user-supplied URLs (Jules accounts, LLM providers) may reach anyway: comma-separated
   * `host:port`, `host`, `ip`, `ip:port` or CIDR. There is no global off switch on purpose: name exactly what a
   * self-hosted setup needs (`127.0.0.1:7070,10.0.0.0/8`).
   */
  AUTOPILOT_OUTBOUND_ALLOW: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseAllowList(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  JULES_API_KEY: optionalString,
  JULES_API_BASE_URL: urlWithProtocols(['http', 'https']),
  /** How often every Jules account's session list is polled (activities only for sessions that moved). */
  JULES_POLL_INTERVAL_MS: z.coerce.number().int().min(500).default(10_000),
  /** How often the archived sessions are listed too (they are hidden from the default list). */
  JULES_ARCHIVED_POLL_INTERVAL_MS: z.coerce.number().int().min(1000).default(600_000),
  /** Demo mode (no JULES_API_KEY): simulated sessions and their pace (speed multiplies the agents' pace). */
  JULES_DEMO_SESSIONS: z.coerce.number().int().min(0).max(100_000).default(40),
  JULES_DEMO_SPEED: z.coerce.number().min(0.1).max(1000).default(4),
  /** Demo mode: a new simulated session arrives this often (0 = never). */
  JULES_DEMO_NEW_SESSION_MS: z.coerce.number().int().min(0).default(45_000),
  /** Keeper: a ledger row left pending longer than this (a crash mid-call) is reconciled from the mirror. */
  KEEPER_PENDING_STALE_MS: z.coerce.number().int().min(0).default(60_000),
  /** Keeper: how often workspaces with Jules accounts are looked for (each gets a keeper loop). */
  KEEPER_DISCOVER_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /**
   * Dispatcher: one sender per Jules account holds a lease this long; a crashed sender's account is taken over after
   * it, and its unanswered creates are then looked for on Jules before anything is sent again. Sends are aborted
   * after three quarters of it.
   */
  DISPATCH_LEASE_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Dispatcher: how long POST /api/sessions waits for its create before answering 202 (queued) instead. */
  DISPATCH_API_WAIT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Failed authentications allowed per client address and minute; the next ones get 429 until the minute passes. */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  /** A reverse proxy is in front: take the client address from the last X-Forwarded-For entry, https from X-Forwarded-Proto. */
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1'),
  /** How long a dashboard log-in (session cookie) lasts. */
  AUTH_SESSION_TTL_MS: z.coerce.number().int().min(60_000).default(12 * 3_600_000),
  /** Who may create an account (features/workspaces/README.md): `invite` (the first person, then invitations only), `open`, `closed` (invitations only). */
  AUTH_SIGNUP: z.enum(['invite', 'open', 'closed']).default('invite'),
  /** OpenID Connect sign-in: the provider's issuer URL (operator config; its discovery document is fetched on the first sign-in and cached). Unset = no OIDC button. */
  OIDC_ISSUER: urlWithProtocols(['http', 'https']),
  /** The client registered at the provider (its redirect URI: <AUTOPILOT_PUBLIC_URL or the request's origin>/auth/oidc/callback). */
  OIDC_CLIENT_ID: optionalString,
  /** That client's secret (sent as client_secret_post). Never logged. */
  OIDC_CLIENT_SECRET: optionalString,
  /** Allow an http:// issuer that is not on loopback (a private network without TLS). http on 127.0.0.1/localhost is always allowed. */
  OIDC_ALLOW_INSECURE: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1'),
  /** The sign-in button's label. */
  OIDC_NAME: z.string().trim().min(1).max(60).default('Single sign-on'),
  INSTANCE_ID: optionalString,
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: urlWithProtocols(['http', 'https']),
  /** The GitHub API of workspaces' GitHub connections that name none (GitHub Enterprise, or a simulator in tests). Default https://api.github.com. */
  GITHUB_API_URL: urlWithProtocols(['http', 'https']),
  /** How often open linked PRs are polled when no webhook feeds them (ms); with a webhook, 10x slower (a fallback). */
  GITHUB_POLL_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  /** features/merges: how long a conflict may last, rebase asks used up and no new push, before the PR is re-dispatched (and again before it is escalated). */
  GITHUB_CONFLICT_GRACE_MS: z.coerce.number().int().min(0).max(7 * 86_400_000).default(30 * 60_000),
  /** features/channels: the SMTP server e-mail channels send through (`smtp://user:pass@host:587`, `smtps://…`); unset = no e-mail channels. The operator's own server: not checked by the outbound module. */
  SMTP_URL: urlWithProtocols(['smtp', 'smtps']),
  /** The From address of e-mail channels. */
  SMTP_FROM: z.string().max(320).default('Jules Autopilot <autopilot@localhost>'),
  /** features/hooks: the most inbound deliveries one endpoint accepts per minute (beyond: 429 with Retry-After). */
  HOOKS_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** features/audit: entries older than this many days are pruned (a prefix of the chain only); 0 = keep forever. */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(0),
  /** features/audit: a signed checkpoint after this many new entries of a workspace. */
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** features/audit: and at least every this many minutes when the chain grew. */
  AUDIT_CHECKPOINT_MINUTES: z.coerce.number().int().min(1).max(525_600).default(60),
  /** features/audit: a directory that receives one JSON file per checkpoint (outside the database). */
  AUDIT_CHECKPOINT_DIR: optionalString,
  /** features/audit: a URL each checkpoint is POSTed to as JSON (through the outbound module). */
  AUDIT_CHECKPOINT_URL: urlWithProtocols(['http', 'https']),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: urlWithProtocols(['http', 'https']),
  GEMINI_API_KEY: optionalString,
  GEMINI_BASE_URL: urlWithProtocols(['http', 'https']),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  LLM_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  LLM_RETRY_BASE_MS: z.coerce.number().int().min(0).default(250),
  LLM_BREAKER_THRESHOLD: z.coerce.number().gt(0).lt(1).default(0.5),
  LLM_BREAKER_MIN_REQUESTS: z.coerce.number().int().min(1).default(5),
  LLM_BREAKER_WINDOW_MS: z.coerce.number().int().min(100).default(30_000),
  LLM_BREAKER_HALF_OPEN_MS: z.coerce.number().int().min(10).default(30_000),
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends RawConfig {
  /** DATA_DIR made absolute. */
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  queue: { kind: 'embedded' } | { kind: 'bullmq'; redisUrl: string; prefix: string };
  events: { kind: 'memory' } | { kind: 'redis'; redisUrl: string; channel: string };
}

/** Thrown when the environment is invalid: the message lists every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const REMOVED_SWITCHES = ['JULES_ALLOW_PRIVATE_URLS', 'LLM_ALLOW_PRIVATE_URLS'] as const;

/** Parses an environment (default: process.env) into a Config, or throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  // The removed global switches must not be silently ignored: whoever set one expects private URLs to work.
  const removed = REMOVED_SWITCHES.filter((k) => env[k] !== undefined).map((k) => `${k}: removed; list the private destinations in AUTOPILOT_OUTBOUND_ALLOW instead (host:port, ip or CIDR)`);
  // OIDC: all of issuer, client id and secret or none; http only on loopback unless OIDC_ALLOW_INSECURE says so.
  const oidc: string[] = [];
  const issuer = parsed.success ? parsed.data.OIDC_ISSUER : undefined;
  if (parsed.success && issuer) {
    const d = parsed.data;
    if (!d.OIDC_CLIENT_ID || !d.OIDC_CLIENT_SECRET) oidc.push('OIDC_ISSUER: needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too (the client registered at the provider)');
    const u = URL.canParse(issuer) ? new URL(issuer) : null;
    if (!u) oidc.push('OIDC_ISSUER: not a URL');
    else if (u.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) && !d.OIDC_ALLOW_INSECURE) oidc.push('OIDC_ISSUER: must be https:// (http only on 127.0.0.1/localhost, or set OIDC_ALLOW_INSECURE=true)');
  }
  if (!parsed.success || removed.length || oidc.length) {
    throw new ConfigError([...removed, ...oidc, ...(parsed.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`)]);
  }
  const raw = parsed.data;
  const dataDir = path.resolve(raw.DATA_DIR);
  return {
    ...raw,
    dataDir,
    database: raw.DATABASE_URL ? { kind: 'postgres', url: raw.DATABASE_URL } : { kind: 'sqlite', file: path.join(dataDir, 'autopilot.db') },
    queue: raw.REDIS_URL ? { kind: 'bullmq', redisUrl: raw.REDIS_URL, prefix: raw.REDIS_PREFIX } : { kind: 'embedded' },
    events: raw.REDIS_URL ? { kind: 'redis', redisUrl: raw.REDIS_URL, channel: `${raw.REDIS_PREFIX}:events` } : { kind: 'memory' },
  };
}

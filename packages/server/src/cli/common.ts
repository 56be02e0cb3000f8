import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ApiClient } from '@autopilot/client';
import { resolveConnection } from './profiles';
import { UsageError, type ConnectionOptions } from './usage';

export { UsageError, type ConnectionOptions } from './usage';

/*
 * What every client command shares: the connection options, the client, output (JSON on stdout with --json, plain
 * padded tables otherwise) and the error contract (one line on stderr; exit 2 for usage, 1 for API errors).
 */


/** Adds --url, --key, --profile and --json to a command that talks to a server. */
export function withConnection(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'orchestrator URL (default: $AUTOPILOT_URL, the profile, or http://127.0.0.1:8080)'))
    .addOption(new Option('--key <key>', 'API key (default: $AUTOPILOT_KEY, or the profile\'s)'))
    .addOption(new Option('--profile <name>', 'profile saved by `autopilot login` (default: $AUTOPILOT_PROFILE or the current one)'))
    .addOption(new Option('--json', 'machine output: the API\'s JSON on stdout, nothing else there'));
}

/** The API client for the connection options (flags, then env, then the profile file). */
/** The server the last `connect` pointed at, for the message of a network failure. */
let lastUrl: string | undefined;

export async function connect(o: ConnectionOptions): Promise<{ client: ApiClient; url: string; key: string }> {
  const conn = resolveConnection(o);
  lastUrl = conn.url;
  // Loaded here, not at the top: `--help` must not load the contracts (zod schemas) it does not need.
  const { createClient } = await import('@autopilot/client');
  return { client: createClient({ baseUrl: conn.url, apiKey: conn.key }), url: conn.url, key: conn.key };
}

const out = (text: string): void => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/** Colour only for a person at a terminal (NO_COLOR and TERM=dumb turn it off). */
export const useColor = () => !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const bold = (s: string) => (useColor() ? `\u001b[1m${s}\u001b[22m` : s);

/** Prints the API's answer as JSON (the contract's shape, nothing added). */
export const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));

/** One line for a person (never with --json: notes then go to stderr). */
export function say(o: ConnectionOptions, text: string) {
  if (o.json) process.stderr.write(`${text}\n`);
  else out(text);
}

/** A cell as one line: newlines folded, long text cut with an ellipsis. */
export function cell(v: unknown, max = 60): string {
  const s = v === null || v === undefined || v === '' ? '-' : String(v).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A plain table: padded columns, a header row, no borders; "(none)" when empty. */
export function table(headers: string[], rows: unknown[][], opts: { max?: number[] } = {}): string {
  if (rows.length === 0) return '(none)';
  const text = rows.map((r) => r.map((v, i) => cell(v, opts.max?.[i] ?? 60)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [bold(line(headers)), ...text.map(line)].join('\n');
}

/** Label/value lines, labels padded: for one object. */
export function fields(pairs: Array<[string, unknown]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w + 1)}  ${v === null || v === undefined || v === '' ? '-' : String(v)}`).join('\n');
}

/** `2026-12-02T05:13:19.000Z` as `2026-12-02 05:13` (UTC), for tables. */
export const shortTime = (isoText: string | null | undefined) => (isoText ? `${isoText.slice(0, 10)} ${isoText.slice(11, 16)}` : '-');

/** `sources/github/acme/api` as `acme/api`. */
export const shortSource = (s: string | null | undefined) => (s ? s.replace(/^(sources\/)?github\//, '') : '-');

/** `owner/repo`, `github/owner/repo` or `sources/github/owner/repo` as the API's `sources/github/owner/repo`. */
export function sourceName(input: string): string {
  const s = input.trim().replace(/^https?:\/\/github\.com\//, '').replace(/\.git$/, '').replace(/\/+$/, '');
  if (/^sources\/github\/[^/\s]+\/[^/\s]+$/.test(s)) return s;
  if (/^github\/[^/\s]+\/[^/\s]+$/.test(s)) return `sources/${s}`;
  if (/^[^/\s]+\/[^/\s]+$/.test(s)) return `sources/github/${s}`;
  throw new UsageError(`"${input}" is not a repository: use owner/repo (or sources/github/owner/repo)`);
}

/** A positive integer option value. */
export function positiveInt(name: string, max = 1_000_000) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
    return Number(v);
  };
}

/** Renders an API error's details (field issues, retry hints) in one short clause. */
function detailText(details: unknown, message = ''): string {
  if (!details || typeof details !== 'object') return '';
  const d = details as { issues?: Array<{ path?: string; message?: string }>; field?: string; retryAfterMs?: number; state?: string };
  const parts: string[] = [];
  const issues = Array.isArray(details) ? (details as Array<{ path?: string; message?: string }>) : d.issues;
  if (Array.isArray(issues)) for (const i of issues.slice(0, 5)) parts.push(i.path ? `${i.path}: ${i.message ?? ''}`.trim() : String(i.message ?? ''));
  else if (d.field) parts.push(`field ${d.field}`);
  if (typeof d.state === 'string' && !message.includes(d.state)) parts.push(`state ${d.state}`);
  if (typeof d.retryAfterMs === 'number') parts.push(`retry in ${Math.ceil(d.retryAfterMs / 1000)} s`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** Exit for a failed command: one line on stderr, 2 for usage errors, 1 for everything else. Never a stack trace. */
export function fail(err: unknown): never {
  const e = err as { name?: string; code?: string; status?: number; message?: string; details?: unknown };
  if (err instanceof UsageError) {
    process.stderr.write(`autopilot: ${err.message}\n`);
    process.exit(2);
  }
  if (e?.name === 'ApiError') {
    const where = e.status ? ` [HTTP ${e.status}]` : e.code === 'network_error' && lastUrl ? ` (${lastUrl}: is \`autopilot serve\` running there?)` : '';
    process.stderr.write(`autopilot: ${e.code}: ${e.message}${detailText(e.details, e.message)}${where}\n`);
    process.exit(1);
  }
  process.stderr.write(`autopilot: ${e?.message ?? String(err)}\n`);
  process.exit(1);
}

/**
 * Wraps an action: the command's options (with the connection options) come last, as commander passes them, and
 * every failure goes through `fail`.
 */
export function run<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      fail(err);
    }
  };
}

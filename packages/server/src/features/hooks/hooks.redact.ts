/** What the delivery log keeps: headers lower case without credentials, payloads with secret-looking keys masked. */
export const REDACTED = '[redacted]';

const SECRET_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'x-slack-signature', 'linear-signature',
  'x-hub-signature', 'x-hub-signature-256', 'webhook-signature', 'x-signature', 'x-webhook-secret', 'x-gitlab-token',
]);
const SECRET_HEADER_PATTERN = /(token|secret|signature|password|api[-_]?key)/i;
const SECRET_KEY_PATTERN = /^(token|.*_token|secret|.*_secret|password|passwd|api_?key|apikey|authorization|signature|client_secret|private_key|access_token|refresh_token)$/i;

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    out[name] = SECRET_HEADERS.has(name) || SECRET_HEADER_PATTERN.test(name) ? REDACTED : v.slice(0, 4000);
  }
  return out;
}

/** A copy with every value under a secret-looking key replaced (at any depth; depth-limited against hostile bodies). */
export function redactPayload(value: unknown, depth = 0): unknown {
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactPayload(v, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY_PATTERN.test(k) ? REDACTED : redactPayload(v, depth + 1);
    return out;
  }
  return value;
}

import { riskyCommand } from './keeper.risk';
import { addressesSupervisor, normalise } from './keeper.text';

/**
 * The check every keeper message passes before it is sent to an agent, whoever wrote it (LLM or template): a
 * message that fails is replaced by the safe template and the reason is logged. It is the last line against a
 * prompt injection that got the model to leak a key, approve something, or pass on a destructive instruction.
 */
export const MAX_REPLY_CHARS = 2_000;

/** Well-known secret shapes: vendor key prefixes, bearer tokens, PEM blocks, JWTs, cloud keys. */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE|KEY)-----/, 'a PEM block'],
  [/\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{8,}/, 'an OpenAI/Anthropic/Stripe-style secret key'],
  [/\b(?:rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}/, 'a Stripe key'],
  [/\bAIza[0-9A-Za-z_-]{20,}/, 'a Google API key'],
  [/\bAQ\.[A-Za-z0-9_-]{10,}/, 'a Jules API key'],
  [/\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{16,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JWT'],
  [/\b[Bb]earer\s+[A-Za-z0-9._~+/=-]{16,}/, 'a bearer token'],
  [/\b(?:api[_-]?key|secret|token|password)\s*[:=]\s*["']?[A-Za-z0-9._~+/=-]{12,}/i, 'an assignment of a secret'],
];

// Language that approves, or tells the agent to skip a person: the keeper's messages never do either.
const APPROVAL = /\b((pre-?)?approved|i approve|(plan|it|this|changes?) (is|are|has been|have been) approved|approval (is )?granted|you (are|have been) (approved|authori[sz]ed|cleared)|lgtm|go ahead and (merge|push|deploy|delete|drop|publish)|no (need|reason) to (wait|ask) for (a |the )?(human|person|review|approval)|skip (the )?(review|approval))\b/;

export type ReplyCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether `text` may be sent to the agent. `knownSecrets` are the configured provider/account keys: the full key
 * and its first 12 characters are refused (a leaked prefix is a leak too).
 */
export function checkReply(text: string, knownSecrets: readonly string[] = []): ReplyCheck {
  if (!text.trim()) return { ok: false, reason: 'empty' };
  if (text.length > MAX_REPLY_CHARS) return { ok: false, reason: `longer than ${MAX_REPLY_CHARS} characters` };
  for (const k of knownSecrets) {
    if (k.length >= 8 && (text.includes(k) || text.includes(k.slice(0, Math.min(12, k.length))))) return { ok: false, reason: 'contains a configured key' };
  }
  for (const [re, what] of SECRET_PATTERNS) if (re.test(text)) return { ok: false, reason: `contains ${what}` };
  const n = normalise(text);
  if (APPROVAL.test(n)) return { ok: false, reason: 'contains approval language' };
  const cmd = riskyCommand(n);
  if (cmd) return { ok: false, reason: cmd };
  // Whatever would make the keeper distrust an agent's text is no more welcome in what the keeper sends.
  const aimed = addressesSupervisor(text);
  if (aimed) return { ok: false, reason: `quotes text that ${aimed}` };
  return { ok: true };
}

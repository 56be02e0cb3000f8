import { SECRET_NAME } from './keeper.risk';
import { addressesSupervisor, normalise } from './keeper.text';

/**
 * Who may answer an agent's question. Rules first, on normalised text: `human` when only a person can answer
 * (credentials, payments, product or scope decisions, irreversible operations), `agent` when it is an ordinary
 * engineering choice the agent can be told to make itself, `unsure` otherwise (then the supervisor's LLM is asked,
 * and any failure of that means `human`).
 */
export type QuestionVerdict = { verdict: 'human' | 'agent' | 'unsure'; reason: string };

const HUMAN_ONLY: ReadonlyArray<[RegExp, string]> = [
  [SECRET_NAME, 'asks for a credential (environment variable)'],
  [/\b(api[ -]?keys?|access[ -]?keys?|secret[ -]?keys?|private[ -]?keys?|ssh[ -]?keys?|secrets?|tokens?|passwords?|passphrases?|credentials?|client[ -]?secret|otp|2fa|mfa|one-time code|login details|log ?in (details|as)|sign ?in as)\b/, 'involves credentials or secrets'],
  [/\b(payments?|billing|invoices?|credit[ -]?cards?|pricing|price|subscriptions?|purchase|paid (plan|tier)|refunds?|charge (the )?(customer|card|user)s?|budget|costs? money)\b/, 'involves payments or billing'],
  [/\b(product (decision|direction|owner|manager)|business (decision|rule|requirement)s?|stakeholders?|customers? (want|need|expect)|which features?|(in|out of) scope|scope (change|creep)|priorit(y|ise|ize|ies)|roadmap|legal|licen[cs](e|ing) (choice|change)|compliance|breaking change|release (date|notes)|announce)\b/, 'is a product or scope decision'],
  [/\b(delete|drop|wipe|purge|erase|truncate) (the |all |any |existing |production |user |customer )*(data|database|table|records|rows|users|accounts|backups?|bucket)\b/, 'involves deleting data'],
  [/\bforce[\s-]?push|\bgit push\b.*\s(--force|-f)\b|\brewrite (the )?history\b/, 'involves a force push'],
  [/\b(deploy|release|ship|roll ?out|publish|push) (it |this |the \w+ )?(to|in|on(to)?) (prod|production|live|the app store|npm|pypi)\b|\bproduction (deploy|release|database|db|server|environment)\b|\bin production\b/, 'involves production'],
  [/\b(irreversible|cannot be undone|can't be undone|permanently|destructive)\b/, 'is irreversible'],
];

// Ordinary engineering choices the agent can decide within the task.
const AGENT_OK = /\b(should i|shall i|do you want|would you like|may i|can i|is it ok(ay)? (to|if)|which (approach|option|library|name|style|pattern|file|module|way)|prefer)\b/;
const TECHNICAL = /\b(tests?|refactor|rename|naming|consolidate|default|backwards?[ -]compat\w*|api|function|module|file|folder|directory|implementation|approach|library|dependency|style|format|lint|types?|interface|signature|error (path|handling)|logging|cache|comments?|docs?|readme|callers?|behaviou?r|variable|class|method|endpoint|schema|src\/)\b/;

/** The rules' verdict on one question (the text is the agent's, untrusted). */
export function classifyByRules(text: string | null): QuestionVerdict {
  if (!text || !text.trim()) return { verdict: 'unsure', reason: 'the question has no text' };
  const aimed = addressesSupervisor(text);
  if (aimed) return { verdict: 'human', reason: `the question ${aimed}` };
  const n = normalise(text);
  for (const [re, why] of HUMAN_ONLY) if (re.test(n)) return { verdict: 'human', reason: `the question ${why}` };
  if (AGENT_OK.test(n) && TECHNICAL.test(n)) return { verdict: 'agent', reason: 'an engineering choice within the task' };
  return { verdict: 'unsure', reason: 'the rules cannot tell who should answer' };
}

/** The system prompt of the LLM classifier (the question itself goes fenced into the user prompt). */
export const CLASSIFIER_SYSTEM =
  'You classify a question that an autonomous coding agent asked. Reply with exactly one word. HUMAN: only a person can answer ' +
  '(credentials, secrets, API keys, tokens, passwords, payments or billing, product or scope decisions, irreversible operations such as ' +
  'deleting data, force pushing or deploying to production). AGENT: a reasonable engineer could decide it from the task alone. ' +
  'When in doubt, reply HUMAN.';

/** Reads the classifier's reply: exactly AGENT means the agent may be told to decide; anything else is a person's call. */
export const parseClassifierReply = (reply: string): 'human' | 'agent' => (/^\s*agent\s*\.?\s*$/i.test(reply) ? 'agent' : 'human');

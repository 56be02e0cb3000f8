import type { KeeperActivity, PlanStepView } from './keeper.types';
import { addressesSupervisor, normalise } from './keeper.text';

/**
 * Plan risk: what a plan says (normalised, see keeper.text.ts) and which files and commands it involves. Any
 * finding is a reason to hold the plan for a person; so is a plan the rules cannot read.
 */

/** Start of a path or word in running text or in a bare path. */
const B = String.raw`(?:^|[\s/"'\x60(\[{=:,])`;

/** Files whose change needs a person: CI, lockfiles, migrations, infrastructure, secrets. Matched lower-cased. */
const RISKY_FILES: ReadonlyArray<[RegExp, string]> = [
  [new RegExp(`${B}\\.github/workflows/|${B}\\.gitlab-ci\\.ya?ml|${B}\\.circleci/|${B}jenkinsfile\\b|${B}azure-pipelines`), 'a CI workflow'],
  [new RegExp(`${B}(package-lock\\.json|npm-shrinkwrap\\.json|yarn\\.lock|pnpm-lock\\.yaml|bun\\.lockb?|cargo\\.lock|poetry\\.lock|pipfile\\.lock|uv\\.lock|go\\.sum|gemfile\\.lock|composer\\.lock|flake\\.lock)\\b`), 'a lockfile'],
  [new RegExp(`${B}(db/)?migrations?/|${B}migrate/|${B}alembic/|${B}flyway/|\\bschema\\.prisma\\b|\\.sql\\b`), 'a database migration'],
  [new RegExp(`\\.(tf|tfvars|hcl)\\b|${B}terraform/|${B}(k8s|kubernetes|helm|charts|kustomize)/|${B}dockerfile\\b|${B}docker-compose|${B}kustomization\\.ya?ml|${B}chart\\.yaml`), 'infrastructure'],
  [new RegExp(`${B}\\.env(\\.[\\w.-]+)?\\b|\\.(pem|p12|pfx|keystore|jks)\\b|\\bprivate[-_. ]?key\\b|\\w\\.key$|${B}id_(rsa|ed25519|ecdsa)|${B}\\.(npmrc|netrc|pypirc)\\b|${B}credentials(\\.\\w+)?\\b|${B}secrets?(\\.\\w+|/)`), 'secrets'],
];

/** Commands that destroy data or history: force pushes, recursive forced deletes, destructive SQL, and kin. */
const RISKY_COMMANDS: ReadonlyArray<[RegExp, string]> = [
  [/\bgit\s+push\b[^;|&\n]{0,80}?(\s--force(-with-lease|-if-includes)?\b|\s-[a-z]*f[a-z]*\b|\s\+[\w/.-]+)/, 'a force push'],
  [/\bforce[\s-]?push/, 'a force push'],
  [/\bdrop\s+(table|database|schema|index|column|view|collection)\b/, 'DROP'],
  [/\btruncate\b/, 'TRUNCATE'],
  [/\bgit\s+(reset\s+--hard|clean\s+-[a-z]*f|branch\s+-d|filter-branch|filter-repo)\b|\bgit\s+branch\s+--delete\b/, 'history-destroying git'],
  [/\b(kubectl\s+delete|terraform\s+(destroy|apply)|helm\s+(uninstall|delete)|docker\s+(system\s+)?prune|npm\s+publish|mkfs|dd\s+if=)/, 'an irreversible operation'],
  [/\b(curl|wget)\b[^\n|]*\|\s*(sudo\s+)?(ba|z)?sh\b/, 'piping a download into a shell'],
  [/\bchmod\s+(-r\s+)?777\b/, 'chmod 777'],
  [/\bfind\b[^\n;|]*\s-delete\b/, 'find -delete'],
];

/** `rm` with both recursive and force flags in any spelling: -rf, -fr, -Rf, -r -f, --recursive --force. */
function recursiveForcedRm(text: string): boolean {
  for (const m of text.matchAll(/\brm((?:\s+-{1,2}[\w-]+)+)/g)) {
    const flags = m[1]!.trim().split(/\s+/);
    const short = flags.filter((f) => /^-[a-z]+$/.test(f)).join('');
    const r = /r/.test(short) || flags.includes('--recursive');
    const f = /f/.test(short) || flags.includes('--force');
    if (r && f) return true;
  }
  return false;
}

/** `DELETE FROM t` without a WHERE before the statement ends. */
const unboundedDelete = (text: string): boolean => [...text.matchAll(/\bdelete\s+from\s+[^;]*/g)].some((m) => !/\bwhere\b/.test(m[0]));

/** File paths named in unidiff headers (`diff --git a/x b/x`, `--- a/x`, `+++ b/x`). */
export function filesFromPatch(patch: string): string[] {
  const out = new Set<string>();
  for (const line of patch.split('\n')) {
    const g = /^diff --git a\/(\S+) b\/(\S+)/.exec(line);
    if (g) {
      out.add(g[1]!);
      out.add(g[2]!);
      continue;
    }
    const h = /^(?:---|\+\+\+) (?:[ab]\/)?(\S+)/.exec(line);
    if (h && h[1] !== '/dev/null') out.add(h[1]!);
  }
  return [...out];
}

/** The first risky file among paths (lower-cased), with what makes it risky. */
export function riskyFile(paths: readonly string[]): string | undefined {
  for (const p of paths) {
    const n = normalise(p);
    const hit = RISKY_FILES.find(([re]) => re.test(n));
    if (hit) return `touches ${hit[1]} (${p.slice(0, 200)})`;
  }
  return undefined;
}

/** The first destructive command mentioned in normalised text. */
export function riskyCommand(normalised: string): string | undefined {
  if (recursiveForcedRm(normalised)) return 'mentions a recursive forced rm';
  if (unboundedDelete(normalised)) return 'mentions DELETE FROM without WHERE';
  for (const [re, what] of RISKY_COMMANDS) if (re.test(normalised)) return `mentions ${what}`;
  return undefined;
}

// A secret's environment-variable name (STRIPE_SECRET_KEY, GITHUB_TOKEN, DB_PASSWORD), lower-cased by normalise.
export const SECRET_NAME = /\b[a-z0-9]+(?:_[a-z0-9]+)*_(?:secret|token|password|passwd|pwd|api_?key|key|credentials?|private_key|access_key)(?:_[a-z0-9]+)*\b/;

/** The first risky command, secret name or file mentioned in normalised text. */
export function riskyText(normalised: string): string | undefined {
  const cmd = riskyCommand(normalised);
  if (cmd) return cmd;
  if (SECRET_NAME.test(normalised)) return 'mentions a secret (environment variable)';
  const f = RISKY_FILES.find(([re]) => re.test(normalised));
  return f ? `mentions ${f[1]}` : undefined;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first hold word found in normalised text (matched at a word start, so "drop" finds "dropping"). */
export function riskyWordIn(normalised: string, words: readonly string[]): string | undefined {
  return words.find((w) => {
    const n = normalise(w);
    return n.length > 0 && new RegExp(`(?<![a-z0-9])${escapeRe(n)}`).test(normalised);
  });
}

const MAX_STEP_CHARS = 4_000;
const MAX_PLAN_CHARS = 20_000;

/**
 * Why this plan must wait for a person, or undefined when the rules find nothing. Looks at the step count, the
 * plan's normalised text (hold words, commands, file paths, text aimed at the supervisor) and the files of the
 * session's changeSet artifacts. A plan it cannot read (no steps, empty or oversized steps) is held too.
 */
export function planRisk(
  steps: readonly PlanStepView[] | undefined,
  acts: readonly KeeperActivity[],
  rules: { maxSteps: number; holdWords: readonly string[] },
): string | undefined {
  if (!Array.isArray(steps) || steps.length === 0) return 'the plan has no steps';
  if (steps.length > rules.maxSteps) return `plan has ${steps.length} steps (max ${rules.maxSteps})`;
  const parts: string[] = [];
  for (const s of steps) {
    const title = typeof s?.title === 'string' ? s.title : '';
    const description = typeof s?.description === 'string' ? s.description : '';
    if (!title.trim() && !description.trim()) return 'a plan step is empty (unreadable plan)';
    if (title.length + description.length > MAX_STEP_CHARS) return 'a plan step is too long to review automatically';
    parts.push(`${title}\n${description}`);
  }
  const raw = parts.join('\n');
  if (raw.length > MAX_PLAN_CHARS) return 'the plan is too long to review automatically';
  const aimed = addressesSupervisor(raw);
  if (aimed) return `the plan text ${aimed}`;
  const text = normalise(raw);
  const word = riskyWordIn(text, rules.holdWords);
  if (word) return `plan mentions "${word}"`;
  const cmd = riskyText(text);
  if (cmd) return `plan ${cmd}`;
  const file = riskyFile(acts.flatMap((a) => a.files ?? []));
  if (file) return `the session's changes ${file}`;
  return undefined;
}

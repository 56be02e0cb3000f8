import { normalizeSourceName, type JulesSource } from '@autopilot/contracts';

/** `owner/repo` of a source, as people type and read it. */
export const shortName = (s: { owner: string; repo: string }) => `${s.owner}/${s.repo}`;

/** `sources/github/acme/api` -> `acme/api` (names that are not GitHub sources are returned unchanged). */
export const shortOf = (name: string) => name.replace(/^sources\/github\//, '');

/**
 * The sources matching what is typed, best first: the exact repository (in any spelling: owner/repo,
 * github/owner/repo, sources/github/owner/repo), then names or repos starting with the text, then the rest that
 * contain it. Case-insensitive; the server's search (sources.service.ts) ranks the same way.
 */
export function matchSources(items: readonly JulesSource[], text: string): JulesSource[] {
  const t = text.trim().toLowerCase();
  if (!t) return [...items];
  const exact = normalizeSourceName(t);
  const needle = t.replace(/^sources\//, '').replace(/^github\//, '');
  const rank = (s: JulesSource) => {
    const full = shortName(s).toLowerCase();
    if (exact && s.name.toLowerCase() === exact) return 0;
    if (full.startsWith(needle) || s.repo.toLowerCase().startsWith(needle)) return 1;
    return full.includes(needle) ? 2 : -1;
  };
  return items
    .map((s, i) => ({ s, r: rank(s), i }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.s);
}

export type Resolved =
  | { kind: 'empty' }
  /** Not a repository name at all. */
  | { kind: 'invalid' }
  | { kind: 'found'; source: JulesSource }
  /** Several accounts reach the repository: one has to be chosen. */
  | { kind: 'ambiguous'; name: string; sources: JulesSource[] }
  /** A well-formed name that no (chosen) account lists. */
  | { kind: 'missing'; name: string };

/** What the typed text names among the listed sources, on `accountId` when one is chosen. */
export function resolveSource(items: readonly JulesSource[], text: string, accountId?: string): Resolved {
  if (!text.trim()) return { kind: 'empty' };
  const name = normalizeSourceName(text);
  if (!name) return { kind: 'invalid' };
  const hits = items.filter((s) => s.name.toLowerCase() === name.toLowerCase() && (!accountId || s.accountId === accountId));
  if (hits.length === 1) return { kind: 'found', source: hits[0] };
  if (hits.length > 1) return { kind: 'ambiguous', name, sources: hits };
  return { kind: 'missing', name };
}

/** The message for a repository Jules does not list: which account(s), and where access is granted. */
export function missingMessage(name: string, accountNames: readonly string[]): string {
  const repo = shortOf(name);
  const where = accountNames.length === 1 ? `on account ${accountNames[0]}` : accountNames.length ? `on any of your accounts (${accountNames.join(', ')})` : 'on this workspace';
  return `Jules has no access to ${repo} ${where}: connect it in Jules' GitHub settings (jules.google.com), then refresh the list`;
}

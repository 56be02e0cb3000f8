import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';
import { normalizeSource } from './board';
import { SOURCE_PATTERN } from './sessions';

/**
 * The repositories (Jules "sources") the workspace's Jules accounts can start sessions on, as Jules lists them
 * (`GET /v1alpha/sources`), cached per account for a few minutes.
 */
export const JulesSource = z
  .object({
    name: z.string().openapi({ example: 'sources/github/acme/api', description: 'What a session names as its source' }),
    owner: z.string(),
    repo: z.string(),
    accountId: z.string(),
    accountName: z.string(),
    defaultBranch: z.string().nullable(),
    branches: z.array(z.string()).openapi({ description: 'The branches Jules lists, the default one first' }),
    isPrivate: z.boolean(),
  })
  .openapi('JulesSource');
export type JulesSource = z.infer<typeof JulesSource>;

/** An account whose sources could not be listed (the other accounts' sources are still answered). */
export const SourcesAccountError = z
  .object({
    accountId: z.string(),
    accountName: z.string(),
    message: z.string().openapi({ description: 'What went wrong, in plain words (no upstream text for user-supplied URLs)' }),
  })
  .openapi('SourcesAccountError');
export type SourcesAccountError = z.infer<typeof SourcesAccountError>;

export const JulesSourceList = z
  .object({
    items: z.array(JulesSource),
    errors: z.array(SourcesAccountError),
    /** When the oldest listing in the answer was fetched from Jules (null when no account answered). */
    fetchedAt: IsoDate.nullable(),
  })
  .openapi('JulesSourceList');
export type JulesSourceList = z.infer<typeof JulesSourceList>;

export const ListSourcesQuery = z.object({
  q: z.string().trim().max(200).optional().openapi({
    param: { name: 'q', in: 'query' },
    description: 'Part of owner/repo, case-insensitive; also accepts github/owner/repo and sources/github/owner/repo',
    example: 'acme/ap',
  }),
  accountId: z.string().max(64).optional().openapi({ param: { name: 'accountId', in: 'query' }, description: 'Only this Jules account' }),
  refresh: z.enum(['true', 'false']).default('false').openapi({ param: { name: 'refresh', in: 'query' }, description: 'true = ask Jules again instead of the cached listing' }),
  limit: z.coerce.number().int().min(1).max(1000).default(200).openapi({ param: { name: 'limit', in: 'query' } }),
});
export type ListSourcesQuery = z.infer<typeof ListSourcesQuery>;

/**
 * `owner/repo`, `github/owner/repo` or `sources/github/owner/repo` (spaces and a trailing `.git` or slash allowed)
 * as the source name Jules uses, or null when the text is none of these (contracts' SOURCE_PATTERN).
 */
export function normalizeSourceName(text: string): string | null {
  const t = text.trim().replace(/\.git$/i, '').replace(/\/+$/, '');
  return new RegExp(SOURCE_PATTERN).test(t) ? normalizeSource(t) : null;
}

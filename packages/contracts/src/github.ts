import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';

/** The GitHub API budget of the connection's token as GitHub last reported it (null before the first answer). */
export const GitHubRateLimit = z
  .object({
    remaining: z.number().int().nullable(),
    limit: z.number().int().nullable(),
    resetAt: IsoDate.nullable(),
  })
  .openapi('GitHubRateLimit');
export type GitHubRateLimit = z.infer<typeof GitHubRateLimit>;

export const GitHubTokenConnection = z
  .object({
    kind: z.literal('token'),
    apiUrl: z.string().openapi({ example: 'https://api.github.com' }),
    tokenLast4: z.string().openapi({ description: 'The token itself is write-only', example: 'x9Qa' }),
    login: z.string().openapi({ description: 'The GitHub account the token belongs to (GET /user)', example: 'octo-bot' }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    rateLimit: GitHubRateLimit,
    lastError: z.string().nullable(),
  })
  .openapi('GitHubTokenConnection');

/** The workspace's GitHub connection: none yet, or a token. */
export const GitHubConnection = z
  .discriminatedUnion('kind', [z.object({ kind: z.literal('none') }).openapi('GitHubNoConnection'), GitHubTokenConnection])
  .openapi('GitHubConnection');
export type GitHubConnection = z.infer<typeof GitHubConnection>;

const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .url()
  .refine((v) => v.startsWith('http://') || v.startsWith('https://'), 'must start with http:// or https://')
  .openapi({ pattern: '^https?://' });

export const PutGitHubConnectionBody = z
  .strictObject({
    token: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .openapi({ description: 'A fine-grained personal access token; checked live with GET /user, stored encrypted, never returned' }),
    apiUrl: httpUrl.optional().openapi({ description: 'GitHub Enterprise: https://HOST/api/v3. Default: the server\'s GITHUB_API_URL, else https://api.github.com' }),
  })
  .openapi('PutGitHubConnection', { example: { token: 'github_pat_11AAAAAAA0example' } });
export type PutGitHubConnectionBody = z.infer<typeof PutGitHubConnectionBody>;

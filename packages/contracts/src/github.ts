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

export const GitHubAppConnection = z
  .object({
    kind: z.literal('app'),
    apiUrl: z.string().openapi({ example: 'https://api.github.com' }),
    appId: z.number().int().positive(),
    installationId: z.number().int().positive(),
    appSlug: z.string().openapi({ description: 'The app (GET /app); it acts as `<appSlug>[bot]`', example: 'jules-autopilot' }),
    account: z.string().openapi({ description: 'The account the app is installed on (GET /app/installations/{id})', example: 'acme' }),
    login: z.string().openapi({ example: 'jules-autopilot[bot]' }),
    repositories: z.number().int().nullable().openapi({ description: 'Repositories the installation reaches (GET /installation/repositories) when it was checked' }),
    tokenExpiresAt: IsoDate.nullable().openapi({ description: 'When the current installation token expires (renewed before then); null until one is minted by this server' }),
    createdAt: IsoDate,
    updatedAt: IsoDate,
    rateLimit: GitHubRateLimit,
    lastError: z.string().nullable(),
  })
  .openapi('GitHubAppConnection');

/** The workspace's GitHub connection: none yet, a token, or a GitHub App installation. */
export const GitHubConnection = z
  .discriminatedUnion('kind', [z.object({ kind: z.literal('none') }).openapi('GitHubNoConnection'), GitHubTokenConnection, GitHubAppConnection])
  .openapi('GitHubConnection');
export type GitHubConnection = z.infer<typeof GitHubConnection>;

const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .url()
  .refine((v) => v.startsWith('http://') || v.startsWith('https://'), 'must start with http:// or https://')
  .openapi({ pattern: '^https?://' });

const apiUrlField = httpUrl.optional().openapi({ description: 'GitHub Enterprise: https://HOST/api/v3. Default: the server\'s GITHUB_API_URL, else https://api.github.com' });

export const PutGitHubTokenConnectionBody = z
  .strictObject({
    token: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .openapi({ description: 'A fine-grained personal access token; checked live with GET /user, stored encrypted, never returned' }),
    apiUrl: apiUrlField,
  })
  .openapi('PutGitHubTokenConnection', { example: { token: 'github_pat_11AAAAAAA0example' } });

const PEM = /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----\s*$/;

export const PutGitHubAppConnectionBody = z
  .strictObject({
    appId: z.number().int().positive().max(2 ** 53 - 1).openapi({ description: "The GitHub App's id (its settings page, 'App ID')", example: 123456 }),
    privateKey: z
      .string()
      .trim()
      .max(20_000)
      .regex(PEM, 'must be the PEM private key GitHub generated for the app (-----BEGIN RSA PRIVATE KEY----- ... -----END RSA PRIVATE KEY-----)')
      .openapi({ description: 'The app\'s private key (PEM); checked by minting an installation token, stored encrypted, never returned' }),
    installationId: z.number().int().positive().max(2 ** 53 - 1).openapi({ description: 'The installation on the account whose repositories Autopilot works on', example: 7890123 }),
    apiUrl: apiUrlField,
  })
  .openapi('PutGitHubAppConnection');

/** A token, or a GitHub App installation (each strict: a body mixing the two is refused naming the field). */
export const PutGitHubConnectionBody = z
  .union([PutGitHubTokenConnectionBody, PutGitHubAppConnectionBody])
  .openapi('PutGitHubConnection', { example: { token: 'github_pat_11AAAAAAA0example' } });
export type PutGitHubConnectionBody = z.infer<typeof PutGitHubConnectionBody>;
export type PutGitHubTokenConnectionBody = z.infer<typeof PutGitHubTokenConnectionBody>;
export type PutGitHubAppConnectionBody = z.infer<typeof PutGitHubAppConnectionBody>;

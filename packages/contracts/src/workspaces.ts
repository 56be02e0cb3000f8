import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';

/* The workspaces feature: workspaces, their API keys and roles, and the dashboard's log-in sessions. */

export const Role = z.enum(['owner', 'admin', 'member', 'viewer']);
export type Role = z.infer<typeof Role>;

/** Who the presented API key is: `GET /api/me`. */
export const Me = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string() }),
    key: z.object({
      id: z.string(),
      name: z.string(),
      role: Role,
      publicId: z.string().nullable().openapi({ description: 'The public id part of the key (`ap_<id>_<secret>`); never any of the secret' }),
      prefix: z.string().openapi({ description: 'What may be shown of the key: `ap_<id>_`, or empty for keys without a public part' }),
    }),
    simulated: z.boolean().openapi({ description: 'True when Jules sessions come from the built-in simulator' }),
  })
  .openapi('Me');
export type Me = z.infer<typeof Me>;

export const ApiKeyInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    role: Role,
    publicId: z.string().nullable().openapi({ description: 'Public id part of the key; null for a first-wave key not used since the upgrade' }),
    prefix: z.string().openapi({ description: '`ap_<id>_` for minted keys, empty otherwise: never any of the secret' }),
    createdAt: IsoDate,
    lastUsedAt: IsoDate.nullable(),
    revokedAt: IsoDate.nullable(),
    expiresAt: IsoDate.nullable().openapi({ description: 'When the key stops working; null = never' }),
    createdBy: z
      .object({ id: z.string(), name: z.string() })
      .nullable()
      .openapi({ description: 'The key that created this one; null for keys made at start or before this was recorded' }),
  })
  .openapi('ApiKey');
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

export const CreateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    role: Role.default('member').openapi({ description: 'owner and admin keys can be created by owners only' }),
    expiresAt: z
      .string()
      .datetime({ offset: true })
      .nullable()
      .optional()
      .openapi({ description: 'When the key stops working (ISO-8601, in the future, at most 5 years ahead); omitted or null = never' }),
  })
  .openapi('CreateApiKey', { example: { name: 'ci-bot', role: 'member', expiresAt: '2030-01-31T00:00:00Z' } });
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

/** The only response that ever carries a key in clear: the one that creates it. */
export const CreatedApiKey = ApiKeyInfo.extend({ key: z.string() }).openapi('CreatedApiKey');

/** `POST /api/auth/session`: exchange an API key for the dashboard's HttpOnly session cookie. */
export const LoginBody = z
  .strictObject({ apiKey: z.string().min(1).max(512) })
  .openapi('Login', { example: { apiKey: 'ap_0123456789ab_secret' } });

/** Who the session (or bearer key) is: `GET /api/auth/session`, and the answer of a log-in. */
export const AuthSessionInfo = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string() }),
    key: z.object({ id: z.string(), name: z.string(), role: Role, publicId: z.string().nullable() }),
    via: z.enum(['key', 'session']),
    expiresAt: IsoDate.nullable().openapi({ description: 'When the session cookie expires (null for bearer keys)' }),
  })
  .openapi('AuthSession');
export type AuthSessionInfo = z.infer<typeof AuthSessionInfo>;

/** `DELETE /api/auth/session`: the session is gone and its cookies cleared. */
export const LoggedOut = z.object({ ok: z.literal(true) }).openapi('LoggedOut');

export const WorkspaceRef = z.object({ id: z.string(), name: z.string() }).openapi('WorkspaceRef');

/** What a workspace name may be: lowercase letters, digits, - and _ (it names the workspace in URLs and logs). */
const WorkspaceName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-_]*$/, 'lowercase letters, digits, - and _ only');

/** One workspace with when it was made: the answer of `PATCH /api/workspaces/{id}`. */
export const WorkspaceInfo = WorkspaceRef.extend({ createdAt: IsoDate }).openapi('Workspace');
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

/** `PATCH /api/workspaces/{id}`: rename (admins and owners of that workspace; names are unique). */
export const UpdateWorkspaceBody = z.strictObject({ name: WorkspaceName }).openapi('UpdateWorkspace', { example: { name: 'team-b' } });

export const CreateWorkspaceBody = z
  .strictObject({ name: WorkspaceName })
  .openapi('CreateWorkspace', { example: { name: 'team-a' } });

export const CreatedWorkspace = z
  .object({ workspace: WorkspaceRef.extend({ createdAt: IsoDate }), ownerKey: CreatedApiKey })
  .openapi('CreatedWorkspace');

export const ApiKeyList = z.object({ items: z.array(ApiKeyInfo) }).openapi('ApiKeyList');
export const WorkspaceList = z.object({ items: z.array(WorkspaceInfo) }).openapi('WorkspaceList');

/**
 * `POST /api/auth/links`: a one-click log-in link for the dashboard, standing for the calling key (its role too).
 * The token in it works once and for ten minutes; the key itself never appears in a URL.
 */
export const LoginLink = z
  .object({
    url: z.string().openapi({ description: 'The link on the origin this request reached: open it in a browser', example: 'http://127.0.0.1:8080/login/3q2-7wXb...' }),
    path: z.string().openapi({ description: '`/login/<token>`, to join to another origin (the one a CLI or proxy knows)', example: '/login/3q2-7wXb...' }),
    expiresAt: IsoDate.openapi({ description: 'When the link stops working (it also stops once used)' }),
  })
  .openapi('LoginLink');
export type LoginLink = z.infer<typeof LoginLink>;

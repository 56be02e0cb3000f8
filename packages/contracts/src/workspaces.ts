import { Scope } from './scopes';
import { z } from '@hono/zod-openapi';
import { IsoDate } from './common';

/* The workspaces feature: workspaces, their API keys and roles, and the dashboard's log-in sessions. */

export const Role = z.enum(['owner', 'admin', 'member', 'viewer']);
export type Role = z.infer<typeof Role>;

/** A workspace a signed-in person belongs to, with their role in it (the workspace switcher's list). */
export const PersonWorkspace = z.object({ id: z.string(), name: z.string(), slug: z.string(), role: Role }).openapi('PersonWorkspace');
/** The signed-in person of a session (issue #16): who, and the workspaces they belong to. */
export const SessionPerson = z
  .object({ id: z.string(), email: z.string(), name: z.string(), workspaces: z.array(PersonWorkspace) })
  .openapi('SessionPerson');
export type SessionPerson = z.infer<typeof SessionPerson>;

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
    person: SessionPerson.nullable().optional().openapi({ description: "The signed-in person (a person's session cookie); null or absent for API keys" }),
  })
  .openapi('Me');
export type Me = z.infer<typeof Me>;

/** A key's limits as stored and shown: each null = no limit of that kind. */
export const KeyLimits = z
  .object({
    ratePerMinute: z.number().int().nullable().openapi({ description: 'Requests per minute (sliding 60 s window per key, shared across instances with Redis); null = none' }),
    requestsPerDay: z.number().int().nullable().openapi({ description: 'Requests per UTC day; null = none' }),
    llmUsdPerMonth: z.number().nullable().openapi({ description: 'LLM spend per UTC calendar month in USD (enforced by the LLM gateway); null = none' }),
  })
  .openapi('KeyLimits');
export type KeyLimits = z.infer<typeof KeyLimits>;

/** Limits as sent when creating or updating a key: an omitted field is unchanged (null on create), null removes it. */
export const KeyLimitsBody = z
  .strictObject({
    ratePerMinute: z.number().int().min(1).max(1_000_000).nullable().optional().openapi({ description: 'Requests per minute, 1 to 1000000; null = none' }),
    requestsPerDay: z.number().int().min(1).max(1_000_000_000).nullable().optional().openapi({ description: 'Requests per UTC day, 1 to 1000000000; null = none' }),
    llmUsdPerMonth: z.number().min(0).max(1_000_000).nullable().optional().openapi({ description: 'LLM spend per UTC month in USD, 0 to 1000000; null = none' }),
  })
  .openapi('KeyLimitsBody');
export type KeyLimitsBody = z.infer<typeof KeyLimitsBody>;

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
    scopes: z.array(z.string()).nullable().openapi({ description: "What the key may reach (`<resource>:read|write|*`, `*`); null = everything its role allows" }),
    limits: KeyLimits,
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
    scopes: z
      .array(Scope)
      .min(1)
      .max(64)
      .nullable()
      .optional()
      .openapi({ description: 'Limit the key to these scopes (its role still applies); omitted or null = everything its role allows. A scoped key mints only keys within its own scopes.' }),
    limits: KeyLimitsBody.optional().openapi({ description: 'Per-key rate limit and quotas; omitted = none' }),
  })
  .openapi('CreateApiKey', { example: { name: 'ci-bot', role: 'member', expiresAt: '2030-01-31T00:00:00Z', scopes: ['sessions:read', 'templates:*'] } });
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>;

/** `PATCH /api/keys/{id}`: rename, rescope (never beyond the caller's own scopes) or change limits; omitted = unchanged. */
export const UpdateApiKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    scopes: z
      .array(Scope)
      .min(1)
      .max(64)
      .nullable()
      .optional()
      .openapi({ description: 'New scopes; null = everything its role allows (only for an unscoped caller); omitted = unchanged' }),
    limits: KeyLimitsBody.optional(),
  })
  .openapi('UpdateApiKey', { example: { limits: { ratePerMinute: 60, requestsPerDay: 10000, llmUsdPerMonth: 25 } } });
export type UpdateApiKeyBody = z.infer<typeof UpdateApiKeyBody>;

/** `GET /api/keys/{id}/usage`: what the key used today and this month against its limits. */
export const KeyUsage = z
  .object({
    requestsToday: z.number().int().openapi({ description: 'Requests the key made this UTC day' }),
    requestsPerDay: z.number().int().nullable(),
    llmUsdThisMonth: z.number().openapi({ description: 'LLM spend attributed to the key this UTC month (USD)' }),
    llmUsdPerMonth: z.number().nullable(),
    sessionCreates: z.number().int().openapi({ description: 'Sessions the key asked for (dispatch intents attributed to it; intents from before attribution are not counted)' }),
    lastUsedAt: IsoDate.nullable(),
  })
  .openapi('KeyUsage');
export type KeyUsage = z.infer<typeof KeyUsage>;

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
    person: SessionPerson.nullable().optional().openapi({ description: "The signed-in person (then `key` has empty id and name, and its role is the person's role in this workspace); null or absent for keys" }),
  })
  .openapi('AuthSession');
export type AuthSessionInfo = z.infer<typeof AuthSessionInfo>;

/** `DELETE /api/auth/session`: the session is gone and its cookies cleared. */
export const LoggedOut = z.object({ ok: z.literal(true) }).openapi('LoggedOut');

export const WorkspaceRef = z.object({ id: z.string(), name: z.string() }).openapi('WorkspaceRef');

/**
 * What a workspace name may be: 1 to 64 characters, no control characters (what people read; the slug is what
 * URLs and logs use). Names stay unique.
 */
const WorkspaceName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'no control characters');

/** A workspace's slug: unique, derived from its name (`-2`, `-3` on a collision), editable. */
export const WorkspaceSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, '2 to 40 lowercase letters, digits and -, starting with a letter or digit')
  .openapi({ example: 'team-a' });

/**
 * One workspace: `GET /api/workspaces/{id}`, the items of `GET /api/workspaces` and the answer of a rename.
 * `role` is the caller's role in it (a person's membership, or the key's role in its own workspace); null when an
 * owner of the default workspace sees it through its key without belonging to it.
 */
export const WorkspaceInfo = WorkspaceRef.extend({
  slug: WorkspaceSlug,
  createdAt: IsoDate,
  isDefault: z.boolean().openapi({ description: 'The workspace the first start created (it cannot be deleted)' }),
  role: Role.nullable().openapi({ description: "The caller's role in this workspace" }),
  current: z.boolean().openapi({ description: 'The workspace this request acts in' }),
}).openapi('Workspace');
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

/** `PATCH /api/workspaces/{id}`: rename and/or change the slug (admins and owners of that workspace; both unique). */
export const UpdateWorkspaceBody = z
  .strictObject({ name: WorkspaceName.optional(), slug: WorkspaceSlug.optional() })
  .openapi('UpdateWorkspace', { example: { name: 'Team B', slug: 'team-b' } });
export type UpdateWorkspaceBody = z.infer<typeof UpdateWorkspaceBody>;

/** `POST /api/workspaces`: a name, and a slug when the derived one is not wanted. */
export const CreateWorkspaceBody = z
  .strictObject({ name: WorkspaceName, slug: WorkspaceSlug.optional() })
  .openapi('CreateWorkspace', { example: { name: 'team-a' } });
export type CreateWorkspaceBody = z.infer<typeof CreateWorkspaceBody>;

/**
 * The answer of `POST /api/workspaces`: the workspace, and for a key (owners of the default workspace) its first
 * owner key, shown once. A person who creates one becomes its owner as a member instead: `ownerKey` is null.
 */
export const CreatedWorkspace = z
  .object({ workspace: WorkspaceInfo, ownerKey: CreatedApiKey.nullable() })
  .openapi('CreatedWorkspace');

/** `DELETE /api/workspaces/{id}?confirm=<slug>`: the confirmation is the workspace's slug. */
export const DeleteWorkspaceQuery = z.object({
  confirm: z.string().min(1).max(64).openapi({ param: { name: 'confirm', in: 'query' }, description: "The workspace's slug, typed again", example: 'team-a' }),
});
export const DeletedWorkspace = z
  .object({ id: z.string(), slug: z.string(), deleted: z.literal(true) })
  .openapi('DeletedWorkspace');

/** The `{id}` (workspace) and `{userId}` (person) of a member route. */
export const MemberParams = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }),
  userId: z.string().min(1).max(64).openapi({ param: { name: 'userId', in: 'path' } }),
});
/** The `{id}` (workspace) and `{inviteId}` of an invite route. */
export const InviteParams = z.object({
  id: z.string().min(1).max(64).openapi({ param: { name: 'id', in: 'path' } }),
  inviteId: z.string().min(1).max(64).openapi({ param: { name: 'inviteId', in: 'path' } }),
});

/** One person's membership of a workspace. */
export const Member = z
  .object({
    userId: z.string(),
    name: z.string(),
    email: z.string(),
    role: Role,
    joinedAt: IsoDate,
    addedBy: z
      .object({ ref: z.string().openapi({ description: '`person:<id>`, `key:<id>`, `signup`, `invite:<id>`' }), name: z.string().nullable() })
      .nullable()
      .openapi({ description: 'Who added them; null when not recorded' }),
  })
  .openapi('Member');
export type Member = z.infer<typeof Member>;
export const MemberList = z.object({ items: z.array(Member) }).openapi('MemberList');

/** `PATCH /api/workspaces/{id}/members/{userId}`: admins change members and viewers; only owners grant or revoke admin and owner. */
export const UpdateMemberBody = z.strictObject({ role: Role }).openapi('UpdateMember', { example: { role: 'admin' } });

/** An address as zod checks it; its pattern stated in the document too (JSON Schema's `email` format is looser). */
const Email = z.email().max(320).openapi({ pattern: z.regexes.email.source });

export const InviteState = z.enum(['pending', 'accepted', 'expired', 'revoked']);
export type InviteState = z.infer<typeof InviteState>;

/** An invitation to a workspace. Its token is never shown again after the create answer (and not at all when e-mailed). */
export const Invite = z
  .object({
    id: z.string(),
    email: z.string(),
    role: Role,
    state: InviteState,
    createdAt: IsoDate,
    expiresAt: IsoDate,
    createdBy: z.object({ ref: z.string(), name: z.string().nullable() }).nullable(),
    acceptedAt: IsoDate.nullable(),
    acceptedBy: z.string().nullable().openapi({ description: 'The person who accepted it' }),
    revokedAt: IsoDate.nullable(),
  })
  .openapi('Invite');
export type Invite = z.infer<typeof Invite>;
export const InviteList = z.object({ items: z.array(Invite) }).openapi('InviteList');

/** `POST /api/workspaces/{id}/invites`: admins and owners invite; the owner role only by owners. */
export const CreateInviteBody = z
  .strictObject({ email: Email, role: Role.default('member') })
  .openapi('CreateInvite', { example: { email: 'ada@example.com', role: 'member' } });
export type CreateInviteBody = z.input<typeof CreateInviteBody>;

/** The create answer: the invite, and its link once when it was not e-mailed (null when it was). */
export const CreatedInvite = Invite.extend({
  link: z.string().nullable().openapi({ description: 'AUTOPILOT_PUBLIC_URL + /invite/<token>, shown this once; null when the invite was e-mailed' }),
  emailed: z.boolean().openapi({ description: 'True when the link was sent by e-mail (SMTP_URL configured)' }),
}).openapi('CreatedInvite');
export type CreatedInvite = z.infer<typeof CreatedInvite>;

/** `POST /api/invites/accept`: a signed-in person whose e-mail is the invite's. */
export const AcceptInviteBody = z
  .strictObject({ token: z.string().min(16).max(128) })
  .openapi('AcceptInvite', { example: { token: 'k3Xb9QeV1m2n3o4p5q6r7s8t9u0vWxYz' } });
export const AcceptedInvite = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
    role: Role.openapi({ description: 'Your role in the workspace now (an existing higher role is kept)' }),
    alreadyMember: z.boolean(),
  })
  .openapi('AcceptedInvite');
export type AcceptedInvite = z.infer<typeof AcceptedInvite>;

/** `GET /api/invites/{token}` (no sign-in needed): what the accept page shows. */
export const InvitePreview = z
  .object({
    workspace: z.object({ name: z.string(), slug: z.string() }),
    invitedBy: z.string().nullable().openapi({ description: "The inviter's name" }),
    email: z.string(),
    role: Role,
    state: InviteState,
    expiresAt: IsoDate,
  })
  .openapi('InvitePreview');
export type InvitePreview = z.infer<typeof InvitePreview>;
export const InviteTokenParam = z.object({ token: z.string().min(16).max(128).openapi({ param: { name: 'token', in: 'path' } }) });

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

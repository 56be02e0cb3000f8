import { z } from '@hono/zod-openapi';

/*
 * People (issue #16): local accounts (e-mail + password), sign-up by policy (AUTH_SIGNUP), sign-in, password reset,
 * OpenID Connect sign-in and the workspace switch. A signed-in person's session is described by AuthSessionInfo
 * (`person` set) and Me (`person` set).
 */

/** An e-mail address as accounts store it: trimmed and lower-cased. */
export const PersonEmail = z.string().trim().toLowerCase().max(320).email().openapi({ example: 'ada@example.com', pattern: z.regexes.email.source });

/** The password policy: 10 to 256 characters (and not the e-mail address itself, checked by the server: 400 body.password). */
export const NewPassword = z.string().min(10).max(256).openapi({ description: '10 to 256 characters, not the e-mail address', example: 'correct horse battery' });

/** `POST /api/auth/signup`: a new account (and, with `inviteToken`, the invitation accepted). Signs you in. */
export const SignupBody = z
  .strictObject({
    email: PersonEmail,
    password: NewPassword,
    name: z.string().trim().min(1).max(100).openapi({ example: 'Ada Lovelace' }),
    inviteToken: z.string().min(1).max(512).optional().openapi({ description: 'The token of an invitation link (/invite/<token>); required when sign-up is by invitation' }),
    ownerKey: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .openapi({ description: "An owner API key of the default workspace (the start-up banner prints one): required of the first person, who becomes that workspace's owner (AuthProviders.ownerKeyRequired)" }),
  })
  .openapi('Signup', { example: { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada Lovelace' } });
export type SignupBody = z.infer<typeof SignupBody>;

/** `POST /api/auth/signin`: e-mail and password; a wrong password and an unknown e-mail get the same 401. */
export const SigninBody = z
  .strictObject({ email: PersonEmail, password: z.string().min(1).max(256) })
  .openapi('Signin', { example: { email: 'ada@example.com', password: 'correct horse battery' } });
export type SigninBody = z.infer<typeof SigninBody>;

/** `POST /api/auth/password-reset`: always 202 (whether the account exists is not told). */
export const PasswordResetBody = z.strictObject({ email: PersonEmail }).openapi('PasswordReset', { example: { email: 'ada@example.com' } });

/** `POST /api/auth/password-reset/confirm`: the e-mailed token (single use, 30 minutes) and the new password. */
export const PasswordResetConfirmBody = z
  .strictObject({ token: z.string().min(1).max(512), password: NewPassword })
  .openapi('PasswordResetConfirm', { example: { token: 'k1V1b0Jz3m9q-example-token', password: 'a new long passphrase' } });

/** The 202 of a reset request, the 200 of a confirmed reset. */
export const PeopleOk = z.object({ ok: z.literal(true) }).openapi('PeopleOk');

/** `POST /api/auth/session/workspace`: switch the session to another workspace the person belongs to. */
export const SwitchWorkspaceBody = z
  .strictObject({ workspaceId: z.string().min(1).max(64).openapi({ description: "The workspace's id or its slug" }) })
  .openapi('SwitchWorkspace', { example: { workspaceId: 'team-a' } });

/** The sign-up policy (AUTH_SIGNUP): `invite` (the first person, then invitations only), `open`, `closed` (invitations only). */
export const SignupPolicy = z.enum(['invite', 'open', 'closed']);
export type SignupPolicy = z.infer<typeof SignupPolicy>;

/** `GET /api/auth/providers` (public): what the sign-in page offers. */
export const AuthProviders = z
  .object({
    signup: SignupPolicy,
    passwordSignup: z.boolean().openapi({ description: 'Whether sign-up without an invitation is possible now (open, or nobody has an account yet)' }),
    ownerKeyRequired: z.boolean().openapi({ description: 'Nobody has an account yet: the first person signs up with an owner key of the default workspace (SignupBody.ownerKey) and becomes its owner' }),
    oidc: z
      .object({ name: z.string().openapi({ description: 'The button label (OIDC_NAME)' }), startUrl: z.string().openapi({ example: '/auth/oidc/start' }) })
      .nullable()
      .openapi({ description: 'The OpenID Connect provider, when configured' }),
  })
  .openapi('AuthProviders');
export type AuthProviders = z.infer<typeof AuthProviders>;

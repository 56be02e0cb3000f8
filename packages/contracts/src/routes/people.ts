import { ErrorBody } from '../common';
import { AuthSessionInfo } from '../workspaces';
import { AuthProviders, PasswordResetBody, PasswordResetConfirmBody, PeopleOk, SigninBody, SignupBody, SwitchWorkspaceBody } from '../people';
import { declareRoutes, jsonBody, jsonOk } from './define';

const tags = ['auth'];

/**
 * People (issue #16): sign-up, sign-in, password reset, the providers the sign-in page offers (all public: no key
 * or cookie needed), and the workspace switch of a person's session. Sign-out is `DELETE /api/auth/session`.
 */
export const people = declareRoutes({
  providers: {
    method: 'get',
    path: '/api/auth/providers',
    tags,
    summary: 'What the sign-in page offers: the sign-up policy and the OpenID Connect provider (no sign-in needed)',
    security: [],
    responses: { 200: jsonOk(AuthProviders) },
  },
  signup: {
    method: 'post',
    path: '/api/auth/signup',
    tags,
    summary: 'Create an account (by the AUTH_SIGNUP policy; with an invitation token, accept it) and sign in: session and CSRF cookies',
    security: [],
    'x-role-rules': 'AUTH_SIGNUP decides who may sign up: with `invite` (the default) only the very first person, or anyone holding a valid invitation; `closed` invitations only; `open` anyone. Refused by the policy: 403 naming body.inviteToken. The first person (nobody has an account yet) becomes owner of the default workspace, so must prove control of it: without an owner key of that workspace in body.ownerKey, 403 naming body.ownerKey.',
    request: { body: jsonBody(SignupBody) },
    responses: { 201: jsonOk(AuthSessionInfo, 'Account created and signed in') },
  },
  signin: {
    method: 'post',
    path: '/api/auth/signin',
    tags,
    summary: 'Sign in with e-mail and password: session and CSRF cookies (failures are throttled per address and per e-mail)',
    security: [],
    request: { body: jsonBody(SigninBody) },
    responses: { 200: jsonOk(AuthSessionInfo, 'Signed in'), 429: jsonOk(ErrorBody, 'Too many failed sign-ins: Retry-After says when to try again') },
  },
  passwordReset: {
    method: 'post',
    path: '/api/auth/password-reset',
    tags,
    summary: 'Ask for a password-reset e-mail: always 202 (whether the account exists is not told); the token is never in an answer',
    security: [],
    request: { body: jsonBody(PasswordResetBody) },
    responses: { 202: jsonOk(PeopleOk, 'Accepted') },
  },
  passwordResetConfirm: {
    method: 'post',
    path: '/api/auth/password-reset/confirm',
    tags,
    summary: "Set a new password with a reset token (single use, 30 minutes); ends all of that person's sessions",
    security: [],
    request: { body: jsonBody(PasswordResetConfirmBody) },
    responses: { 200: jsonOk(PeopleOk, 'Password changed') },
  },
  switchWorkspace: {
    method: 'post',
    path: '/api/auth/session/workspace',
    tags,
    summary: "Switch a person's session to another workspace they belong to (404 for any other); API keys cannot switch (403)",
    minRole: 'viewer', // a write every role may send: switching where you look
    'x-role-rules': "Only a person's session cookie may switch (bearer keys and key log-in sessions: 403); a workspace the person does not belong to is 404.",
    request: { body: jsonBody(SwitchWorkspaceBody) },
    responses: { 200: jsonOk(AuthSessionInfo, 'Switched') },
  },
});

import { api } from '../../lib/api';

/*
 * The people routes the pages call (sign-in, sign-up, reset, providers, invitations, the workspace switch), through
 * the typed client of this origin: sign-in and sign-up answer with the session cookies, which the browser keeps.
 */
export const people = {
  providers: () => api.people.providers(),
  signIn: (body: { email: string; password: string }) => api.people.signin(body.email, body.password),
  signUp: (body: { email: string; password: string; name: string; inviteToken?: string; ownerKey?: string }) => api.people.signup(body),
  requestReset: (email: string) => api.people.requestPasswordReset(email),
  confirmReset: (token: string, password: string) => api.people.confirmPasswordReset(token, password),
  switchWorkspace: (workspaceId: string) => api.people.switchWorkspace(workspaceId),
  invite: (token: string) => api.invites.peek(token),
  accept: (token: string) => api.invites.accept(token),
};

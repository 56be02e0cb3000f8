import { routes, type RouteBody } from '@autopilot/contracts';
import type { Transport } from './http';
import { endpoints } from './route';

const r = routes.people;

/**
 * Client methods of routes.people (issue #16): sign-up, sign-in, password reset, the sign-in page's providers and
 * the workspace switch. Sign-up and sign-in answer with cookies: a browser transport keeps them.
 */
export function peopleApi(t: Transport) {
  const endpoint = endpoints(t);
  return {
    /** What the sign-in page offers (no sign-in needed). */
    providers: endpoint(r.providers, (call) => () => call({})),
    signup: endpoint(r.signup, (call) => (body: RouteBody<typeof r.signup>) => call({ body })),
    signin: endpoint(r.signin, (call) => (email: string, password: string) => call({ body: { email, password } })),
    /** Always resolves (202): whether the account exists is not told. */
    requestPasswordReset: endpoint(r.passwordReset, (call) => (email: string) => call({ body: { email } })),
    confirmPasswordReset: endpoint(r.passwordResetConfirm, (call) => (token: string, password: string) => call({ body: { token, password } })),
    /** Switches the person's session to another of their workspaces (by id or slug). */
    switchWorkspace: endpoint(r.switchWorkspace, (call) => (workspaceId: string) => call({ body: { workspaceId } })),
  };
}

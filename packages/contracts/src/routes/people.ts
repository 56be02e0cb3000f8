import { declareRoutes } from './define';

/** People (issue #16): sign-up, sign-in and out, password reset, OpenID Connect, the workspace switcher. */
export const people = declareRoutes({});

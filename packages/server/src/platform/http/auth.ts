import type { MiddlewareHandler } from 'hono';
import { errorResponse } from './errors';
import type { AppEnv, AuthContext } from './types';

/** Routes under /api that carry no tenant data and stay readable without a key (the API's own documentation). */
export const PUBLIC_API_PATHS = new Set(['/api/openapi.json', '/api/docs']);

/**
 * Requires `Authorization: Bearer <key>` on every /api route and puts the key's workspace and role on the context.
 * Viewer keys may only read.
 */
export function requireApiKey(authenticate: (key: string) => Promise<AuthContext | null>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (PUBLIC_API_PATHS.has(c.req.path) || c.req.path.startsWith('/api/docs/')) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return errorResponse(c, 'unauthorized', 'Missing bearer API key', { field: 'authorization' });
    const auth = await authenticate(match[1]);
    if (!auth) return errorResponse(c, 'unauthorized', 'Invalid or revoked API key', { field: 'authorization' });
    if (auth.role === 'viewer' && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      return errorResponse(c, 'forbidden', 'Viewer keys are read-only');
    }
    c.set('auth', auth);
    await next();
  };
}

/** Throws-free role check for route handlers: returns true when the key's role is at least `min`. */
export function hasRole(auth: AuthContext, min: 'viewer' | 'member' | 'admin' | 'owner'): boolean {
  const rank = { viewer: 0, member: 1, admin: 2, owner: 3 } as const;
  return rank[auth.role] >= rank[min];
}

import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createClient, type ApiClient } from '@autopilot/client';

/** Set by the server next to the HttpOnly session cookie; readable, so writes can echo it (CSRF double-submit). */
const CSRF_COOKIE = 'autopilot_csrf';

function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === CSRF_COOKIE && v) return decodeURIComponent(v);
  }
  return undefined;
}

/**
 * The API client of this origin. It holds no key: the browser sends the HttpOnly session cookie set at log-in
 * (nothing a script on the page could read or send elsewhere), and writes carry the CSRF token.
 */
export const api: ApiClient = createClient({ baseUrl: '', csrfToken });

interface Auth {
  /** Bumped at every log-in, so everything under the shell is rebuilt for the new session. */
  session: number | null;
  client: ApiClient | null;
  /** Exchanges the key for the session cookie (the key is not kept anywhere in the page). */
  login(key: string): Promise<void>;
  /** Takes up a session the server has just set (sign-in, sign-up, a workspace switch): caches cleared, shell rebuilt. */
  adopt(): void;
  /** Ends the session; `reason` is shown on the login screen (e.g. the key was revoked). */
  logout(reason?: string): void;
  logoutReason: string | null;
}

const AuthContext = createContext<Auth | null>(null);

/**
 * Whether the browser holds a session. Only the CSRF cookie is visible to scripts; it lives exactly as long as the
 * session cookie, so without it there is no session and no request needs to be made to find out.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<number | null>(() => (csrfToken() ? 1 : null));
  const [logoutReason, setReason] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const value = useMemo<Auth>(
    () => ({
      session,
      client: session ? api : null,
      login: async (k) => {
        await api.auth.login(k);
        queryClient.clear(); // nothing cached under another key may show under this one
        setReason(null);
        setSession((n) => (n ?? 0) + 1);
      },
      adopt: () => {
        queryClient.clear();
        setReason(null);
        setSession((n) => (n ?? 0) + 1);
      },
      logout: (reason) => {
        // The cookies are cleared by the server; a failed call (already expired) changes nothing for the user.
        if (csrfToken()) void api.auth.logout().catch(() => {});
        queryClient.clear();
        setReason(reason ?? null);
        setSession(null);
      },
      logoutReason,
    }),
    [session, logoutReason, queryClient],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error('useAuth outside AuthProvider');
  return a;
}

/** The API client of the logged-in user (only rendered inside the authenticated shell). */
export function useApi(): ApiClient {
  const { client } = useAuth();
  if (!client) throw new Error('useApi without a session');
  return client;
}

/** Who the logged-in key is (`/api/me`: workspace, key, role, simulated), one cached query for every page. */
export function useMe() {
  const api = useApi();
  return useQuery({ queryKey: ['me'], queryFn: ({ signal }) => api.me(signal), staleTime: 60_000 });
}

import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { createClient, type ApiClient } from '@autopilot/client';

const KEY_STORAGE = 'autopilot.apiKey';

/** The stored API key, or null. localStorage so a reload keeps the user logged in (the key is theirs to keep). */
export function loadKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function saveKey(key: string | null) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Private mode without storage: the key lives in memory for this tab only.
  }
}

/** A client for this origin (the orchestrator serves the dashboard, so the API is same-origin). */
export const clientFor = (key: string): ApiClient => createClient({ baseUrl: '', apiKey: key });

interface Auth {
  key: string | null;
  client: ApiClient | null;
  login(key: string): void;
  /** Forget the key; `reason` is shown on the login screen (e.g. the key was revoked). */
  logout(reason?: string): void;
  logoutReason: string | null;
}

const AuthContext = createContext<Auth | null>(null);

/** Holds the API key and the client built from it. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState<string | null>(loadKey);
  const [logoutReason, setReason] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const value = useMemo<Auth>(
    () => ({
      key,
      client: key ? clientFor(key) : null,
      login: (k) => {
        saveKey(k);
        queryClient.clear(); // nothing cached under another key may show under this one
        setReason(null);
        setKey(k);
      },
      logout: (reason) => {
        saveKey(null);
        queryClient.clear();
        setReason(reason ?? null);
        setKey(null);
      },
      logoutReason,
    }),
    [key, logoutReason, queryClient],
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
  if (!client) throw new Error('useApi without a key');
  return client;
}

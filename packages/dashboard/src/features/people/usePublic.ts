import { useQuery } from '@tanstack/react-query';
import { people } from './people-api';

/** What the sign-in page may offer (`GET /api/auth/providers`, public): sign-up allowed, the OpenID Connect provider. */
export function useProviders() {
  return useQuery({ queryKey: ['auth', 'providers'], queryFn: () => people.providers(), staleTime: 60_000, retry: false });
}

/** An invitation's preview (`GET /api/invites/{token}`, public): workspace, inviter, role, e-mail, state. */
export function useInvitePreview(token: string | null) {
  return useQuery({ queryKey: ['auth', 'invite', token], queryFn: () => people.invite(token!), enabled: !!token, retry: false, staleTime: 30_000 });
}

/** Where to go after signing in: a same-origin path from `?next=`, else the page asked for (never another origin). */
export function safeNext(raw: string | null | undefined, fallback = '/sessions'): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  return raw;
}

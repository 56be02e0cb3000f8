import { ApiError } from '@autopilot/client';
import { useEffect } from 'react';
import { useAuth, useMe } from '../lib/api';
import { LiveEventsProvider } from '../lib/events';
import { SessionsLiveSync } from '../features/sessions/data';
import { ErrorNote } from '../lib/ui';
import { Login } from './Login';
import { RouteView } from './routes';
import { Shell } from './Shell';
import { useLocation } from './router';

function Authenticated() {
  const { logout } = useAuth();
  const { path } = useLocation();
  const me = useMe();
  const rejected = me.error instanceof ApiError && me.error.status === 401;
  useEffect(() => {
    if (rejected) logout('Your session has ended (it expired or its key was revoked). Sign in again.');
  }, [rejected, logout]);
  if (me.isPending) return <p className="muted center">Loading…</p>;
  if (me.isError) return <ErrorNote error={me.error} retry={() => void me.refetch()} />;
  return (
    <LiveEventsProvider>
      <SessionsLiveSync />
      <Shell me={me.data}>
        <RouteView path={path} />
      </Shell>
    </LiveEventsProvider>
  );
}

/** Login when there is no session; the shell otherwise. */
export function App() {
  const { session } = useAuth();
  return session ? <Authenticated key={session} /> : <Login />;
}

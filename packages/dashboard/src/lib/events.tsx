import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { AppEvent, EventData } from '@autopilot/contracts';
import type { ConnectionState } from '@autopilot/client';
import { maybeNotify } from '../features/inbox/browser-notify';
import { navigate } from '../app/router';
import { useApi, useAuth } from './api';
import { useToast, type Toast } from './toasts';

type Listener = (e: AppEvent) => void;

interface Live {
  state: ConnectionState;
  /** Registers a listener for every live event; returns the unsubscribe function. */
  listen(l: Listener): () => void;
}

const LiveContext = createContext<Live | null>(null);

/** How loud each notification's toast is, by its severity. */
const SEVERITY_LEVEL: Record<EventData<'inbox.raised'>['severity'], Toast['level']> = { info: 'info', warning: 'warning', critical: 'error' };

/**
 * The toast for an `inbox.raised` event (the notification center; the keeper's own `notification.raised` reaches
 * people through it, so nothing toasts twice): its title, its body, linked to its first in-app link or its session.
 * A grouped repeat says how many times it happened.
 */
export function noticeToast(n: EventData<'inbox.raised'>): Omit<Toast, 'id'> {
  const inApp = n.links.find((l) => l.href.startsWith('/') && !l.href.startsWith('//'))?.href;
  const href = inApp ?? (n.sessionId ? `/sessions/${encodeURIComponent(n.sessionId)}` : undefined);
  return { title: n.count > 1 ? `${n.title} (×${n.count})` : n.title, body: n.body || undefined, level: SEVERITY_LEVEL[n.severity] ?? 'info', href };
}

/** Query keys a given event makes stale, for features that simply refetch (the sessions board patches instead). */
function staleKeys(e: AppEvent): string[][] {
  switch (e.type) {
    case 'breaker.opened':
    case 'breaker.closed':
      // An LLM breaker shows on the providers page, a Jules account's in health (and its accounts list).
      return e.data.breaker === 'llm' ? [['health'], ['providers']] : [['health']];
    case 'keeper.action':
      return [['keeper']];
    case 'notification.raised':
    case 'notification.updated':
      // Read, dismissed or resolved in another tab (or by the keeper): the bell and the lists refetch.
      return [['keeper', 'notifications'], ['inbox']];
    case 'inbox.raised':
    case 'inbox.updated':
      return [['inbox']];
    case 'hook.delivery':
      return [['hooks']];
    case 'channel.delivery':
      return [['channels']];
    default:
      return [];
  }
}

/**
 * Follows the workspace's event stream for the whole authenticated app: exposes the connection state, invalidates
 * cached queries an event touches, refetches everything after a `reset` (events were missed), raises toasts (and, on opt-in, system
 * notifications) for `inbox.raised`, and fans events out to feature listeners.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const { logout } = useAuth();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [state, setState] = useState<ConnectionState>('connecting');
  const listeners = useRef(new Set<Listener>());
  const live = useRef<Live>({
    state: 'connecting',
    listen: (l) => {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
  });

  useEffect(() => {
    const sub = api.events({
      onState: (s, info) => {
        setState(s);
        if (s === 'closed' && info.error?.status === 401) logout('Your API key is no longer accepted. Sign in with a valid key.');
      },
      onReset: () => void queryClient.invalidateQueries(),
      onEvent: (e) => {
        for (const key of staleKeys(e)) void queryClient.invalidateQueries({ queryKey: key });
        if (e.type === 'inbox.raised') {
          toast(noticeToast(e.data));
          maybeNotify(e.data, (href) => navigate(href));
        }
        for (const l of listeners.current) l(e);
      },
    });
    return () => sub.close();
  }, [api, queryClient, toast, logout]);

  return <LiveContext.Provider value={{ ...live.current, state }}>{children}</LiveContext.Provider>;
}

/** The event stream's connection state. */
export function useConnectionState(): ConnectionState {
  const l = useContext(LiveContext);
  return l?.state ?? 'closed';
}

/** Calls `handler` for each live event while the component is mounted (the latest handler, without resubscribing). */
export function useLiveEvent(handler: Listener) {
  const l = useContext(LiveContext);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => l?.listen((e) => ref.current(e)), [l?.listen]);
}

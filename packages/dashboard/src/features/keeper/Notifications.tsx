import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { KeeperNotification, Me } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { keeperKeys } from './data';
import './notifications.css';

/** The open notifications (not dismissed) with the unread count; live events refetch it (lib/events.tsx). */
export function useNotifications(limit = 30) {
  const api = useApi();
  return useQuery({
    queryKey: [...keeperKeys.notifications, 'open', limit],
    queryFn: ({ signal }) => api.keeper.notifications({ status: 'open', limit }, signal),
    retry: false,
    staleTime: 30_000,
  });
}

/** Changes to notifications: read/unread, dismiss, mark all read, dismiss all (shared by the workspace). */
export function useNotificationActions() {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const done = () => void qc.invalidateQueries({ queryKey: keeperKeys.notifications });
  const failed = (err: Error) => toast({ title: 'Could not change the notification', body: err.message, level: 'error' });
  const one = useMutation({ mutationFn: (v: { id: string; read?: boolean; dismissed?: boolean }) => api.keeper.updateNotification(v.id, { read: v.read, dismissed: v.dismissed }), onSuccess: done, onError: failed });
  const all = useMutation({ mutationFn: (v: { read?: true; dismissed?: true }) => api.keeper.updateNotifications(v), onSuccess: done, onError: failed });
  return { one, all, busy: one.isPending || all.isPending };
}

const STATUS_LABEL: Record<KeeperNotification['status'], string> = { unread: 'New', read: 'Read', resolved: 'Resolved', dismissed: 'Dismissed' };

/** One notification: title, the session it is about (by title, id second), age, why it resolved, and its actions. */
export function NotificationItem({ n, canAct, onNavigate }: { n: KeeperNotification; canAct: boolean; onNavigate?: () => void }) {
  const { one, busy } = useNotificationActions();
  return (
    <li className={`note note-${n.status}`} data-testid="notification" data-kind={n.kind} data-status={n.status} data-id={n.id}>
      <div className="note-head">
        <strong className="note-title" title={n.title.length > 120 ? n.title : undefined}>
          {n.title}
        </strong>
        <span className={`pill note-status note-status-${n.status}`}>{STATUS_LABEL[n.status]}</span>
      </div>
      {n.sessionId && (
        <div className="note-session">
          <Link href={`/sessions/${encodeURIComponent(n.sessionId)}`} onClick={onNavigate} className="note-session-link">
            {n.sessionTitle || 'Untitled session'}
          </Link>{' '}
          <span className="muted mono small">{n.sessionId.slice(0, 12)}</span>
        </div>
      )}
      {n.body && <p className="note-body muted">{n.body}</p>}
      {n.status === 'resolved' && n.resolvedReason && <p className="note-resolved small">Resolved {ago(n.resolvedAt)}: {n.resolvedReason}</p>}
      <div className="note-foot">
        <time className="muted small" dateTime={n.createdAt} title={new Date(n.createdAt).toLocaleString()}>
          {ago(n.createdAt)}
        </time>
        <span className="spacer" />
        {canAct && n.status !== 'dismissed' && (
          <>
            {n.status === 'unread' ? (
              <button type="button" className="ghost small" disabled={busy} onClick={() => one.mutate({ id: n.id, read: true })} aria-label={`Mark read: ${n.title}`}>
                Mark read
              </button>
            ) : n.status === 'read' ? (
              <button type="button" className="ghost small" disabled={busy} onClick={() => one.mutate({ id: n.id, read: false })} aria-label={`Mark unread: ${n.title}`}>
                Mark unread
              </button>
            ) : null}
            <button type="button" className="ghost small" disabled={busy} onClick={() => one.mutate({ id: n.id, dismissed: true })} aria-label={`Dismiss: ${n.title}`}>
              Dismiss
            </button>
          </>
        )}
      </div>
    </li>
  );
}

/**
 * The notification centre in the top bar: a bell with the unread count and a panel with the open notifications.
 * Escape or a click outside closes it and gives the focus back to the bell.
 */
export function NotificationCenter({ me }: { me: Me }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const q = useNotifications();
  const { all, busy } = useNotificationActions();
  const canAct = me.key.role !== 'viewer';
  const unread = q.data?.unread ?? 0;

  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onDown);
    };
  }, [open]);

  const items = q.data?.items ?? [];
  return (
    <div className="notes-center">
      <button
        ref={button}
        type="button"
        className="ghost bell"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        data-testid="bell"
        onClick={() => setOpen((o) => !o)}
      >
        <svg className="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
          <path d="M12 3a6 6 0 0 0-6 6v3.6l-1.7 2.9A1 1 0 0 0 5.2 17h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6Z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
          <path d="M9.5 19a2.5 2.5 0 0 0 5 0" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
        {unread > 0 && (
          <span className="bell-count" data-testid="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div ref={panel} id={panelId} className="notes-panel card" role="dialog" aria-label="Notifications" tabIndex={-1} data-testid="notifications-panel">
          <div className="notes-head">
            <h2>Notifications</h2>
            <span className="muted small">{unread} unread</span>
          </div>
          <div className="notes-actions">
            {canAct && (
              <button type="button" className="ghost small" disabled={busy || unread === 0} onClick={() => all.mutate({ read: true })}>
                Mark all read
              </button>
            )}
            {canAct && (
              <button type="button" className="ghost small" disabled={busy || items.length === 0} onClick={() => all.mutate({ dismissed: true })}>
                Dismiss all
              </button>
            )}
          </div>
          {q.isError && <p className="error-text">Could not load notifications: {(q.error as Error).message}</p>}
          {q.data && items.length === 0 && <p className="muted">Nothing needs you.</p>}
          <ul className="notes-list">
            {items.map((n) => (
              <NotificationItem key={n.id} n={n} canAct={canAct} onNavigate={() => setOpen(false)} />
            ))}
          </ul>
          <div className="notes-foot">
            <Link href="/keeper" onClick={() => setOpen(false)}>
              All keeper activity
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}

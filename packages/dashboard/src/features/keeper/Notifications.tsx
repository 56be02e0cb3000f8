import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { KeeperNotification } from '@autopilot/contracts';
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

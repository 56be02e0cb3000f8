import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import type { KeeperAction } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { keeperKeys } from './data';
import { Toggle } from './Toggle';
import './keeper.css';

/** One ledger entry: what the keeper did or decided, and why. */
export function ActionLine({ a }: { a: KeeperAction }) {
  return (
    <li className={`kaction kaction-${a.status}`}>
      <span className="pill">{a.kind}</span> <span className="muted">{a.status}</span> {a.reason}
      {a.message && <div className="muted prewrap">“{a.message}”</div>}
      {a.error && <div className="error-text">{a.error}</div>}
      <time className="muted" dateTime={a.createdAt}>
        {' '}
        · {ago(a.createdAt)}
      </time>
    </li>
  );
}

/** The keeper's view of one session on its detail page: pause/resume switch, stuck flag, counters, recent actions. */
export function KeeperPanel({ sessionId, canAct }: { sessionId: string; canAct: boolean }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: keeperKeys.session(sessionId), queryFn: ({ signal }) => api.keeper.session(sessionId, signal), retry: false });
  const pause = useMutation({
    mutationFn: (paused: boolean) => api.keeper.setSessionPaused(sessionId, paused),
    onSuccess: (state) => qc.setQueryData(keeperKeys.session(sessionId), state),
    onError: (err: Error) => toast({ title: 'Could not change the keeper', body: err.message, level: 'error' }),
  });
  // Servers without the keeper answer 404: the panel then stays out of the way.
  if (q.isError && q.error instanceof ApiError && q.error.status === 404) return null;
  if (!q.data || q.data.gone) return null;
  const k = q.data;
  return (
    <section className="card panel" aria-labelledby="keeper-title" data-testid="keeper-panel">
      <div className="panel-head">
        <h2 id="keeper-title">Keeper</h2>
        {k.stuck && (
          <span className="pill pill-down" title={k.stuckReason ?? undefined}>
            stuck
          </span>
        )}
        <span className="spacer" />
        <Toggle id="keeper-session" checked={!k.paused} onChange={(on) => pause.mutate(!on)} label={k.paused ? 'Paused for this session' : 'Watching this session'} disabled={!canAct || pause.isPending} testId="keeper-switch" />
      </div>
      {k.stuck && k.stuckReason && <p className="notice">{k.stuckReason}</p>}
      <p className="muted">
        Nudges {k.nudges} · answers {k.answers} · heals {k.heals} · continues {k.continues}
      </p>
      {k.actions.length > 0 && (
        <ul className="kactions">
          {k.actions.slice(0, 10).map((a) => (
            <ActionLine key={a.id} a={a} />
          ))}
        </ul>
      )}
    </section>
  );
}

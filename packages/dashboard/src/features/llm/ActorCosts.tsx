import { useQuery } from '@tanstack/react-query';
import { UsageGroupBy, type UsageRow } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';

/* Who spent what: LLM cost per actor (people, keys, the keeper, schedules, webhooks), as horizontal bars. */

type ActorRow = UsageRow & { actor?: string | null; actorName?: string | null; actorKind?: string | null };
const any = <T,>() => ({ safeParse: (v: unknown) => ({ success: true as const, data: v as T }) });
const usd = (v: number) => `$${v.toFixed(v < 1 ? 4 : 2)}`;

/** `key:abc` -> kind `key`; a row's own kind wins. */
export const actorKindOf = (r: ActorRow) => r.actorKind ?? (r.actor ? r.actor.split(':')[0] : 'unknown');
/** A person-readable name: the recorded name, else the reference, else "not recorded" (calls from before attribution). */
export const actorLabelOf = (r: ActorRow) => r.actorName ?? r.actor ?? 'not recorded';

/** Whether the server groups usage by actor yet (the section stays off the page until then). */
export const hasActorUsage = () => (UsageGroupBy.options as readonly string[]).includes('actor');

export function ActorCosts() {
  const api = useApi();
  const q = useQuery({
    queryKey: ['costs', 'usage', 'actor'],
    queryFn: ({ signal }) => api.transport.request({ method: 'GET', path: '/api/llm/usage', query: { groupBy: 'actor' }, schema: any<{ rows: ActorRow[] }>(), signal }),
    retry: false,
  });
  if (q.isError) return <ErrorNote error={q.error} retry={() => void q.refetch()} />;
  if (!q.data) return <p className="muted">Loading who spent what…</p>;
  const rows = [...q.data.rows].sort((a, b) => b.costUsd - a.costUsd);
  if (rows.length === 0) return <p className="muted">No LLM calls in this period.</p>;
  const max = Math.max(...rows.map((r) => r.costUsd), 0.0001);
  return (
    <div className="costs-actors" data-testid="costs-by-actor">
      {rows.map((r) => {
        const kind = actorKindOf(r);
        return (
          <div className="costs-actor" key={r.actor ?? 'none'} data-actor={r.actor ?? ''}>
            <div className="costs-actor-who">
              <span className={`pill costs-kind costs-kind-${kind}`}>{kind}</span> <span className="costs-actor-name">{actorLabelOf(r)}</span>
            </div>
            <div className="costs-actor-bar" role="img" aria-label={`${actorLabelOf(r)}: ${usd(r.costUsd)}`}>
              <span style={{ width: `${Math.max(1, (r.costUsd / max) * 100)}%` }} />
            </div>
            <div className="costs-actor-fig">
              <strong>{usd(r.costUsd)}</strong> <span className="muted small">{r.calls} calls</span>
            </div>
          </div>
        );
      })}
    </div>
  );
}

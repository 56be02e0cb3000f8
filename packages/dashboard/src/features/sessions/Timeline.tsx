import type { SessionActivity } from '@autopilot/contracts';
import { activityChangeSets, describeActivity } from './activity';

/**
 * The session's activities, oldest first, as a timeline; activities with code changes link to the diff viewer.
 * `keeper` maps the activity ids of the keeper's own messages to the action that sent them (shown as "Keeper").
 */
export function Timeline({ activities, onShowChanges, keeper }: { activities: SessionActivity[]; onShowChanges: (key: string) => void; keeper?: ReadonlyMap<string, string> }) {
  if (!activities.length) return <p className="muted">No activity yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {activities.map((a) => {
        const d = describeActivity(a, keeper?.get(a.id));
        const changes = activityChangeSets(a);
        return (
          <li key={a.id} className={`tl-item tl-${d.tone}`} data-kind={a.kind} data-author={d.tone === 'keeper' ? 'keeper' : undefined}>
            <div className="tl-head">
              <strong>{d.headline}</strong>
              <time className="muted" dateTime={a.createTime}>
                {new Date(a.createTime).toLocaleString()}
              </time>
            </div>
            {d.body && <div className="tl-body">{d.body}</div>}
            {changes.map((c) => (
              <button key={c.key} type="button" className="link-button" onClick={() => onShowChanges(c.key)}>
                View changes
              </button>
            ))}
          </li>
        );
      })}
    </ol>
  );
}

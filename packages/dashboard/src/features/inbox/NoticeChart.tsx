import { useMemo } from 'react';
import type { Notice } from '@autopilot/contracts';
import { bySource, perDay, SEVERITIES, SEVERITY } from './logic';

/** Notifications per day over the last 14 days, stacked by severity, and the open ones by source. */
export function NoticeChart({ items }: { items: Notice[] }) {
  const days = useMemo(() => perDay(items), [items]);
  const sources = useMemo(() => bySource(items.filter((n) => n.status === 'unread' || n.status === 'read')), [items]);
  const max = Math.max(1, ...days.map((d) => d.info + d.warning + d.critical));
  const total = days.reduce((a, d) => a + d.info + d.warning + d.critical, 0);
  return (
    <section className="card ntc-chart" aria-labelledby="ntc-chart-h">
      <h2 id="ntc-chart-h">Last 14 days</h2>
      <div className="ntc-chart-cols">
        <div className="ntc-days">
          <div className="bars ntc-bars" role="img" aria-label={`${total} notifications in the last 14 days, per day and severity`} data-testid="notices-chart">
            {days.map((d) => (
              <div key={d.day} className="bar" title={`${d.day}: ${d.critical} critical, ${d.warning} warning, ${d.info} info`}>
                {SEVERITIES.slice()
                  .reverse()
                  .map((s) => (d[s] ? <span key={s} className={`ntc-bar-${SEVERITY[s].tone}`} style={{ height: `${(d[s] / max) * 100}%` }} /> : null))}
              </div>
            ))}
          </div>
          <div className="ntc-legend">
            {SEVERITIES.map((s) => (
              <span key={s}>
                <i className={`ntc-bar-${SEVERITY[s].tone}`} /> {SEVERITY[s].label}
              </span>
            ))}
            <span>
              {days[0]?.day} – {days.at(-1)?.day}
            </span>
          </div>
        </div>
        <div className="ntc-sources">
          <h3 className="small muted">Open, by source</h3>
          {sources.length === 0 ? (
            <p className="muted small">None open.</p>
          ) : (
            <ul className="plain">
              {sources.map((s) => (
                <li key={s.source} className="ntc-source-row">
                  <span>{s.source}</span>
                  <span className="meter">
                    <span style={{ width: `${(s.n / sources[0]!.n) * 100}%` }} />
                  </span>
                  <span className="num">{s.n}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

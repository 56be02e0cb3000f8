import { useMemo } from 'react';
import { TIME_ZONES, type Schedule } from '@autopilot/contracts';
import { useNextRuns } from './data';
import { intervalRuns, intervalSeconds, intervalWords, zoneOffset, type ScheduleForm } from './schedule-form';

/** "Mon, 7 Dec 2026, 07:00" in `zone`. */
export function inZone(at: string | Date, zone: string): string {
  return new Date(at).toLocaleString(undefined, { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Fire times as a list: local time in the schedule's zone (with its offset that day), and UTC. */
export function RunTimes({ runs, zone }: { runs: readonly { at: string }[]; zone: string }) {
  return (
    <ol className="sc-runs" data-testid="next-runs">
      {runs.map((r) => (
        <li key={r.at} data-testid="next-run">
          <time dateTime={r.at}>{inZone(r.at, zone)}</time> <span className="st-muted">{zoneOffset(zone, new Date(r.at))}</span>
          {zone !== 'UTC' && <span className="st-hint sc-utc">{inZone(r.at, 'UTC')} UTC</span>}
        </li>
      ))}
    </ol>
  );
}

/** The saved schedule's words and next five runs, from the server. */
export function SavedNextRuns({ schedule }: { schedule: Schedule }) {
  const next = useNextRuns(schedule.id, schedule.updatedAt);
  if (next.isError) return <p className="st-error">Could not compute the next runs: {(next.error as Error).message}</p>;
  if (!next.data) return <p className="st-muted">Loading…</p>;
  return (
    <>
      <p className="sc-words" data-testid="schedule-words">
        {next.data.description}
      </p>
      {!next.data.enabled && <p className="st-warn">Paused: these are the runs it makes once resumed.</p>}
      <RunTimes runs={next.data.runs} zone={next.data.timezone} />
    </>
  );
}

/**
 * Beside the form: the timing in words and the next five runs. An interval is computed here as it is typed (a new
 * or changed one counts from now, as the server does). A cron is read by the server (croner), so a new or changed
 * expression shows its words and times once saved; an unchanged one shows the saved schedule's.
 */
export function TimingPreview({ form, saved }: { form: ScheduleForm; saved?: Schedule }) {
  const secs = form.timing === 'interval' ? intervalSeconds(form) : null;
  const zoneOk = TIME_ZONES.includes(form.timezone);
  const unchanged = !!saved && zoneOk && form.timezone === saved.timezone && (form.timing === 'cron' ? form.cron.trim() === saved.cron : secs === saved.intervalSeconds);
  // Recomputed when the interval changes; "now" is the moment it was typed.
  const runs = useMemo(() => (secs && secs >= 60 ? intervalRuns(secs, Date.now()).map((d) => ({ at: d.toISOString() })) : []), [secs]);
  return (
    <aside className="st-card sc-preview" aria-labelledby="sch-preview-title" data-testid="timing-preview">
      <h2 id="sch-preview-title" className="tp-h2">
        Next five runs
      </h2>
      {unchanged && saved ? (
        <SavedNextRuns schedule={saved} />
      ) : !zoneOk ? (
        <p className="st-muted">Choose a time zone to see the runs.</p>
      ) : form.timing === 'interval' ? (
        secs && secs >= 60 ? (
          <>
            <p className="sc-words">{intervalWords(secs)}, counted from when it is saved</p>
            <RunTimes runs={runs} zone={form.timezone} />
          </>
        ) : (
          <p className="st-muted">An interval of at least one minute.</p>
        )
      ) : (
        <p className="st-note">
          <span className="st-mono">{form.cron.trim() || '—'}</span> in {form.timezone}: the server reads the expression, so its words and next five runs show once it is saved.
        </p>
      )}
    </aside>
  );
}

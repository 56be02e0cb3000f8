import type { Schedule } from '@autopilot/contracts';
import { Link, navigate } from '../../app/router';
import { useMe } from '../../lib/api';
import { ErrorNote } from '../../lib/ui';
import '../settings/settings-pages.css';
import '../templates/templates.css';
import { useLastRun, useSchedule, useSchedules } from './data';
import { OutcomePill } from './RunHistory';
import { ScheduleDetail } from './ScheduleDetail';
import { ScheduleEditor } from './ScheduleEditor';
import { inZone } from './TimingPreview';
import './schedules.css';

function Row({ s }: { s: Schedule }) {
  const last = useLastRun(s.id);
  return (
    <li className="st-item" data-testid="schedule-row">
      <div className="st-item-head">
        <Link href={`/schedules/${encodeURIComponent(s.id)}`}>
          <strong>{s.name}</strong>
        </Link>
        <span className={s.enabled ? 'pill pill-ok' : 'pill pill-degraded'}>{s.enabled ? 'active' : 'paused'}</span>
      </div>
      <dl className="st-facts">
        <div>
          <dt>When</dt>
          <dd>{s.description}</dd>
        </div>
        <div>
          <dt>Time zone</dt>
          <dd>{s.timezone}</dd>
        </div>
        <div>
          <dt>Next run</dt>
          <dd>{s.nextRunAt ? <time dateTime={s.nextRunAt}>{inZone(s.nextRunAt, s.timezone)}</time> : <span className="st-muted">none while paused</span>}</dd>
        </div>
        <div>
          <dt>Last run</dt>
          <dd>{last.data ? <OutcomePill outcome={last.data.outcome} /> : <span className="st-muted">{last.isLoading ? '…' : 'none yet'}</span>}</dd>
        </div>
      </dl>
    </li>
  );
}

function ScheduleList({ canEdit }: { canEdit: boolean }) {
  const list = useSchedules();
  const items = list.data?.items ?? [];
  return (
    <section className="st-section">
      <div className="page-head">
        <h1>Schedules</h1>
        <span className="spacer" />
        {canEdit && (
          <button type="button" className="primary" onClick={() => navigate('/schedules/new')}>
            New schedule
          </button>
        )}
      </div>
      <p className="st-lead">Launch a template, or a batch of it over repositories, on a cron or a fixed interval in a time zone (daylight saving included). Each fire time runs once, however many instances run.</p>
      {list.isError && <ErrorNote error={list.error} retry={() => void list.refetch()} />}
      {list.isLoading && <p className="st-muted">Loading…</p>}
      {list.data && items.length === 0 && <p className="st-note">No schedule yet: add one with New schedule.</p>}
      {items.length > 0 && (
        <ul className="st-list" aria-label="Schedules">
          {items.map((s) => (
            <Row key={s.id} s={s} />
          ))}
        </ul>
      )}
    </section>
  );
}

function OnePage({ id, canEdit }: { id: string; canEdit: boolean }) {
  const isNew = id === 'new';
  const s = useSchedule(isNew ? undefined : id);
  return (
    <section className="st-section">
      <div className="page-head">
        <Link href="/schedules">← Schedules</Link>
        <h1 className="st-wrap">{isNew ? 'New schedule' : (s.data?.name ?? 'Schedule')}</h1>
      </div>
      {s.isError && <ErrorNote error={s.error} retry={() => void s.refetch()} />}
      {!isNew && s.isLoading && <p className="st-muted">Loading…</p>}
      {isNew && (canEdit ? <ScheduleEditor /> : <p className="st-note">Viewers cannot add schedules.</p>)}
      {s.data && <ScheduleDetail schedule={s.data} canEdit={canEdit} />}
    </section>
  );
}

/** Schedules: the list, or one schedule (its next runs, history, pause and edit); "new" is the create form. */
export function SchedulesPage({ id }: { id?: string }) {
  const me = useMe();
  const canEdit = (me.data?.key.role ?? 'viewer') !== 'viewer';
  return id ? <OnePage id={id} canEdit={canEdit} /> : <ScheduleList canEdit={canEdit} />;
}

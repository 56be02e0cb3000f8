import { useState } from 'react';
import type { Schedule } from '@autopilot/contracts';
import { Link, navigate } from '../../app/router';
import { useToast } from '../../lib/toasts';
import { errorsOf, Modal } from '../settings/settings-ui';
import { useTemplates } from '../templates/data';
import { useScheduleActions } from './data';
import { RunHistory } from './RunHistory';
import { ScheduleEditor } from './ScheduleEditor';
import { intervalWords } from './schedule-form';
import { SavedNextRuns } from './TimingPreview';

function DeleteSchedule({ schedule }: { schedule: Schedule }) {
  const { remove } = useScheduleActions(schedule.id);
  const toast = useToast();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete
      </button>
      <Modal open={open} onClose={() => setOpen(false)} labelledBy="sch-delete-title" testId="schedule-delete-dialog">
        <div className="st-form">
          <h2 id="sch-delete-title" className="st-wrap">
            Delete {schedule.name}?
          </h2>
          <p className="st-muted">It stops firing and its run history goes with it. Sessions and batches it started stay.</p>
          {remove.isError && (
            <p className="st-error" role="alert">
              {errorsOf(remove.error).message}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() =>
                remove.mutate(undefined, {
                  onSuccess: () => {
                    toast({ level: 'success', title: `Deleted ${schedule.name}` });
                    navigate('/schedules');
                  },
                })
              }
            >
              {remove.isPending ? 'Deleting…' : 'Delete schedule'}
            </button>
          </div>
        </div>
      </Modal>
    </>
  );
}

/** One schedule: its state and actions, what it launches, the next five runs, the run history; Edit opens the form. */
export function ScheduleDetail({ schedule: s, canEdit }: { schedule: Schedule; canEdit: boolean }) {
  const { pause, resume } = useScheduleActions(s.id);
  const templates = useTemplates();
  const [editing, setEditing] = useState(false);
  const template = templates.data?.find((t) => t.id === s.target.templateId);
  const toggle = s.enabled ? pause : resume;
  const vars = Object.entries(s.target.variables);
  return (
    <>
      <div className="st-card st-form" data-testid="schedule-detail">
        <div className="st-item-head">
          <span className={s.enabled ? 'pill pill-ok' : 'pill pill-degraded'} data-testid="schedule-state">
            {s.enabled ? 'active' : 'paused'}
          </span>
          <span className="st-wrap">{s.description}</span>
          <span className="st-grow" />
          {canEdit && (
            <div className="st-actions">
              <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
                {s.enabled ? 'Pause' : 'Resume'}
              </button>
              {!editing && (
                <button type="button" onClick={() => setEditing(true)}>
                  Edit
                </button>
              )}
              <DeleteSchedule schedule={s} />
            </div>
          )}
        </div>
        {toggle.isError && (
          <p className="st-error" role="alert">
            {errorsOf(toggle.error).message}
          </p>
        )}
        <dl className="st-facts">
          <div>
            <dt>Timing</dt>
            <dd className="st-mono">{s.cron ?? intervalWords(s.intervalSeconds ?? 60)}</dd>
          </div>
          <div>
            <dt>Time zone</dt>
            <dd>{s.timezone}</dd>
          </div>
          <div>
            <dt>After a downtime</dt>
            <dd>{s.missedRunPolicy === 'skip' ? 'skip the missed runs' : 'run once when back'}</dd>
          </div>
          <div>
            <dt>Launches</dt>
            <dd>
              {s.target.kind === 'batch' ? 'a batch of ' : ''}
              {template ? <Link href={`/templates/${encodeURIComponent(template.id)}`}>{template.name}</Link> : <span className="st-mono">{s.target.templateId}</span>}
              {s.target.kind === 'batch' ? ` over ${s.target.sources.length} repositor${s.target.sources.length === 1 ? 'y' : 'ies'}` : ''}
            </dd>
          </div>
          {vars.length > 0 && (
            <div>
              <dt>Variables</dt>
              <dd className="st-mono">{vars.map(([k, v]) => `${k}=${v}`).join(', ')}</dd>
            </div>
          )}
        </dl>
      </div>
      {editing ? (
        <ScheduleEditor saved={s} onSaved={() => setEditing(false)} />
      ) : (
        <section className="st-card" aria-labelledby="sch-next-title" data-testid="timing-preview">
          <h2 id="sch-next-title" className="tp-h2">
            Next five runs
          </h2>
          <SavedNextRuns schedule={s} />
        </section>
      )}
      <RunHistory id={s.id} zone={s.timezone} />
    </>
  );
}

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { Template } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { useApi } from '../../lib/api';
import { useToast } from '../../lib/toasts';
import { errorsOf, Modal } from '../settings/settings-ui';
import { templateKeys } from './data';

/** Delete, behind a confirmation naming the template (batches and schedules already made keep what they copied). */
export function DeleteTemplate({ template }: { template: Template }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api.templates.remove(template.id);
      qc.removeQueries({ queryKey: templateKeys.one(template.id) });
      await qc.invalidateQueries({ queryKey: templateKeys.all });
      toast({ level: 'success', title: `Deleted ${template.name}` });
      setOpen(false);
      navigate('/templates');
    } catch (err) {
      setError(errorsOf(err).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Delete
      </button>
      <Modal open={open} onClose={() => setOpen(false)} labelledBy="tpl-delete-title" testId="template-delete-dialog">
        <div className="st-form">
          <h2 id="tpl-delete-title" className="st-wrap">
            Delete {template.name}?
          </h2>
          <p className="st-muted">The template goes; a schedule that launches it will fail its next runs until it points at another one.</p>
          {error && (
            <p className="st-error" role="alert">
              {error}
            </p>
          )}
          <div className="st-actions">
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
              {busy ? 'Deleting…' : 'Delete template'}
            </button>
          </div>
        </div>
      </Modal>
    </>
  );
}

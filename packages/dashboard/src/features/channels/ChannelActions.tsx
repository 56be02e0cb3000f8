import { useState } from 'react';
import type { Channel, ChannelTestResult } from '@autopilot/contracts';
import { navigate } from '../../app/router';
import { Modal } from '../settings/settings-ui';
import { useChannelActions } from './data';
import { attemptSummary } from './logic';
import { SecretOnce } from './SecretOnce';

/** The answer of a test send: ok or not, status, duration, error. */
export function TestResult({ r }: { r: ChannelTestResult }) {
  return (
    <p className={`ch-test ${r.ok ? 'ch-test-ok' : 'ch-test-bad'}`} role="status" data-testid="channel-test-result" data-ok={r.ok}>
      <span aria-hidden="true">{r.ok ? '✓' : '✗'}</span> Test {attemptSummary(r)}
    </p>
  );
}

/**
 * What a person may do to a channel: members send tests; admins enable/disable, rotate a webhook's secret (shown
 * once) and delete (after a confirmation). Viewers get none of the buttons.
 */
export function ChannelActions({ c, canTest, canManage, afterDelete }: { c: Channel; canTest: boolean; canManage: boolean; afterDelete?: string }) {
  const { update, remove, rotate, test } = useChannelActions();
  const [result, setResult] = useState<ChannelTestResult | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'delete' | 'rotate' | null>(null);
  if (!canTest && !canManage) return null;
  return (
    <div className="ch-actions">
      <div className="ch-buttons">
        {canTest && (
          <button type="button" disabled={test.isPending} onClick={() => test.mutate(c.id, { onSuccess: setResult })} aria-label={`Send a test to ${c.name}`}>
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
        )}
        {canManage && (
          <button type="button" disabled={update.isPending} onClick={() => update.mutate({ id: c.id, body: { enabled: !c.enabled } })} aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}>
            {c.enabled ? 'Disable' : 'Enable'}
          </button>
        )}
        {canManage && c.kind === 'webhook' && (
          <button type="button" onClick={() => setConfirm('rotate')} aria-label={`Rotate the signing secret of ${c.name}`}>
            Rotate secret
          </button>
        )}
        {canManage && (
          <button type="button" className="danger" onClick={() => setConfirm('delete')} aria-label={`Delete ${c.name}`}>
            Delete
          </button>
        )}
      </div>
      {result && <TestResult r={result} />}
      <Modal open={confirm !== null || secret !== null} onClose={() => (setConfirm(null), setSecret(null))} labelledBy={`ch-confirm-${c.id}`} testId="channel-confirm">
        <h2 id={`ch-confirm-${c.id}`}>{secret ? 'New signing secret' : confirm === 'delete' ? `Delete "${c.name}"?` : `Rotate the secret of "${c.name}"?`}</h2>
        {secret ? (
          <SecretOnce secret={secret} onDone={() => setSecret(null)} />
        ) : (
          <>
            <p>{confirm === 'delete' ? 'Its pending deliveries are cancelled; the delivery log goes with it.' : 'The old secret stops working at once: receivers must be given the new one.'}</p>
            <div className="st-actions">
              <button type="button" onClick={() => setConfirm(null)}>
                Cancel
              </button>
              {confirm === 'delete' ? (
                <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(c.id, { onSuccess: () => (setConfirm(null), afterDelete && navigate(afterDelete)) })}>
                  Delete channel
                </button>
              ) : (
                <button type="button" className="primary" disabled={rotate.isPending} onClick={() => rotate.mutate(c.id, { onSuccess: (s) => (setConfirm(null), setSecret(s.secret)) })}>
                  Rotate secret
                </button>
              )}
            </div>
          </>
        )}
      </Modal>
    </div>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { JulesAccount } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import { julesKeys, useJulesSources } from '../sessions/data';
import { errorsOf } from './settings-ui';

/** The repositories Jules lists for one account (folded), with a refresh that asks Jules again. */
export function AccountSources({ account }: { account: JulesAccount }) {
  const api = useApi();
  const qc = useQueryClient();
  const sources = useJulesSources({ accountId: account.id });
  const refresh = useMutation({
    mutationFn: () => api.sessions.accounts.sources(account.id, { refresh: true, limit: 1000 }),
    onSuccess: (data) => {
      qc.setQueryData(julesKeys.sources(account.id), data);
      void qc.invalidateQueries({ queryKey: julesKeys.sources() });
    },
  });
  const data = sources.data;
  const failed = data?.errors.find((e) => e.accountId === account.id);
  return (
    <details className="ac-sources" data-testid="account-sources">
      <summary>
        Repositories{' '}
        {sources.isLoading ? <span className="st-muted">(loading…)</span> : data ? <span className="st-muted">({failed ? 'could not be listed' : data.items.length})</span> : null}
      </summary>
      {sources.isError && <ErrorNote error={sources.error} retry={() => void sources.refetch()} />}
      {failed && (
        <p className="st-error" role="alert">
          {failed.message}
        </p>
      )}
      {data && !failed && data.items.length === 0 && (
        <p className="st-muted">Jules lists no repositories for this account: connect some in Jules’ GitHub settings (jules.google.com), then refresh.</p>
      )}
      {data && data.items.length > 0 && (
        <ul className="ac-source-list">
          {data.items.map((s) => (
            <li key={s.name} className="ac-source">
              <span className="ac-source-name">
                {s.owner}/{s.repo}
              </span>
              {s.isPrivate && <span className="pill">private</span>}
              <span className="st-muted ac-source-branches">
                {s.defaultBranch ? `default ${s.defaultBranch}` : 'no default branch'}
                {s.branches.length > 1 ? `, ${s.branches.length} branches` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <div className="st-actions start">
        <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
          {refresh.isPending ? 'Asking Jules…' : 'Refresh from Jules'}
        </button>
        {data?.fetchedAt && <span className="st-hint">Listed {ago(data.fetchedAt)}</span>}
        {refresh.isError && <span className="st-field-error">{errorsOf(refresh.error).message}</span>}
      </div>
    </details>
  );
}

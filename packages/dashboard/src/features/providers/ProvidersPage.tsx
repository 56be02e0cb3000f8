import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BreakerInfo, Me, ProviderInfo, ProviderTestResult } from '@autopilot/contracts';
import { useApi } from '../../lib/api';
import { ms } from '../../lib/format';
import { useToast } from '../../lib/toasts';
import { ErrorNote, Switch } from '../../lib/ui';
import { AddProviderForm } from './AddProviderForm';

/** Query keys; `breaker.*` events invalidate ['providers'] (lib/events). */
export const providerKeys = { list: ['providers', 'list'] as const, breakers: ['providers', 'breakers'] as const };

function BreakerPills({ items }: { items: BreakerInfo[] }) {
  if (!items.length) return <span className="muted">no calls yet</span>;
  return (
    <>
      {items.map((b) => (
        <span key={b.model} className={`pill ${b.state === 'closed' ? 'pill-ok' : b.state === 'half-open' ? 'pill-degraded' : 'pill-down'}`} title={b.openedAt ? `opened ${b.openedAt}` : undefined}>
          {b.model}: {b.state}
        </span>
      ))}
    </>
  );
}

function TestResult({ r }: { r: ProviderTestResult }) {
  return r.ok ? (
    <span className="pill pill-ok">
      ok · {r.model} · {ms(r.latencyMs)}
      {r.costUsd !== undefined ? ` · $${r.costUsd.toFixed(5)}` : ''}
    </span>
  ) : (
    <span className="error-text">
      {r.error?.code}: {r.error?.message}
    </span>
  );
}

function ProviderRow({ p, breakers, canEdit }: { p: ProviderInfo; breakers: BreakerInfo[]; canEdit: boolean }) {
  const api = useApi();
  const qc = useQueryClient();
  const toast = useToast();
  const [result, setResult] = useState<ProviderTestResult | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ['providers'] });
  const onError = (what: string) => (err: Error) => toast({ title: `Could not ${what}`, body: err.message, level: 'error' });
  const toggle = useMutation({ mutationFn: (enabled: boolean) => api.providers.update(p.id, { enabled }), onSuccess: refresh, onError: onError('change the provider') });
  const test = useMutation({ mutationFn: () => api.providers.test(p.id), onSuccess: setResult, onError: onError('test the provider') });
  const remove = useMutation({ mutationFn: () => api.providers.remove(p.id), onSuccess: refresh, onError: onError('remove the provider') });
  return (
    <tr data-provider={p.name}>
      <th scope="row">
        {p.name}
        <div className="muted small">
          {p.kind}
          {p.source === 'env' ? ' · from environment' : ''}
        </div>
      </th>
      <td className="mono">••••{p.keyLast4}</td>
      <td className="num">{p.priority}</td>
      <td className="mono small">{p.defaultModels.default}</td>
      <td>
        <Switch checked={p.enabled} onChange={(v) => toggle.mutate(v)} label={p.enabled ? 'on' : 'off'} disabled={!canEdit || toggle.isPending} />
      </td>
      <td>
        <div className="wrap-pills">
          <BreakerPills items={breakers} />
        </div>
      </td>
      <td>
        <div className="row-actions">
          <button type="button" onClick={() => test.mutate()} disabled={!canEdit || test.isPending}>
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
          {canEdit && p.source === 'api' && (
            <button type="button" className="danger" onClick={() => window.confirm(`Remove provider ${p.name}?`) && remove.mutate()}>
              Remove
            </button>
          )}
        </div>
        {result && <TestResult r={result} />}
      </td>
    </tr>
  );
}

/** LLM providers: keys shown as last four characters, enable switch, breaker state per model, test and add. */
export function ProvidersPage() {
  const api = useApi();
  const qc = useQueryClient();
  const me = qc.getQueryData<Me>(['me']);
  const canEdit = me?.key.role === 'owner' || me?.key.role === 'admin';
  const list = useQuery({ queryKey: providerKeys.list, queryFn: ({ signal }) => api.providers.list(signal) });
  const breakers = useQuery({ queryKey: providerKeys.breakers, queryFn: ({ signal }) => api.llm.breakers(signal), refetchInterval: 15_000 });
  const [adding, setAdding] = useState(false);
  return (
    <section className="providers-page">
      <div className="page-head">
        <h1>Providers</h1>
        <span className="spacer" />
        {canEdit && (
          <button type="button" className="primary" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
            Add provider
          </button>
        )}
      </div>
      <p className="muted">LLM providers the keeper and reviews call through the gateway. Keys are stored encrypted and never shown again.</p>
      {adding && <AddProviderForm onDone={() => setAdding(false)} />}
      {list.isPending ? (
        <p className="muted">Loading providers…</p>
      ) : list.isError ? (
        <ErrorNote error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <p className="card panel">No providers yet. Add one, or set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="providers">
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Key</th>
                <th scope="col" className="num">
                  Priority
                </th>
                <th scope="col">Default model</th>
                <th scope="col">Enabled</th>
                <th scope="col">Breakers</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((p) => (
                <ProviderRow key={p.id} p={p} canEdit={canEdit} breakers={(breakers.data?.items ?? []).filter((b) => b.providerId === p.id)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

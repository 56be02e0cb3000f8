import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '@autopilot/client';
import { CreateProviderBody, ProviderKind } from '@autopilot/contracts';
import { useApi } from '../../lib/api';

const SUGGESTED: Record<string, string> = { openai: 'gpt-4.1-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash', 'openai-compatible': '' };

/** Adds a provider; the form is checked with the contract's CreateProviderBody before it is sent. */
export function AddProviderForm({ onDone }: { onDone: () => void }) {
  const api = useApi();
  const qc = useQueryClient();
  const [kind, setKind] = useState<string>('openai');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: (body: CreateProviderBody) => api.providers.create(body),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['providers'] });
      onDone();
    },
    onError: (err: Error) => {
      setErrors({ ...(err instanceof ApiError ? err.fieldErrors() : {}), form: err.message });
    },
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim() || undefined;
    const parsed = CreateProviderBody.safeParse({
      kind,
      name: text('name') ?? '',
      apiKey: text('apiKey') ?? '',
      baseUrl: text('baseUrl'),
      priority: Number(text('priority') ?? 100),
      defaultModels: { default: text('model') ?? '' },
    });
    if (!parsed.success) return setErrors(Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message])));
    setErrors({});
    create.mutate(parsed.data);
  }
  const err = (k: string) => errors[k] && <span className="error field-error">{errors[k]}</span>;

  return (
    <form className="card panel form" onSubmit={submit} aria-label="Add provider" data-testid="add-provider">
      <div className="form-row">
        <div>
          <label htmlFor="p-kind">Kind</label>
          <select id="p-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            {ProviderKind.options.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="p-name">Name</label>
          <input id="p-name" name="name" placeholder="e.g. openai-main" />
          {err('name')}
        </div>
      </div>
      <label htmlFor="p-key">API key</label>
      <input id="p-key" name="apiKey" type="password" autoComplete="off" />
      {err('apiKey')}
      <div className="form-row">
        <div>
          <label htmlFor="p-model">Default model</label>
          <input id="p-model" name="model" key={kind} defaultValue={SUGGESTED[kind]} />
          {err('defaultModels.default')}
        </div>
        <div>
          <label htmlFor="p-priority">Priority (lower first)</label>
          <input id="p-priority" name="priority" type="number" min={0} max={10000} defaultValue={100} />
          {err('priority')}
        </div>
      </div>
      <label htmlFor="p-url">Base URL {kind === 'openai-compatible' ? '' : '(optional)'}</label>
      <input id="p-url" name="baseUrl" placeholder="https://…" />
      {err('baseUrl')}
      {errors.form && (
        <p className="error" role="alert">
          {errors.form}
        </p>
      )}
      <div className="form-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add provider'}
        </button>
      </div>
    </form>
  );
}

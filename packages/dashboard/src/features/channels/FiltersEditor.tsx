import { useState } from 'react';
import { EventCatalog, type EventType } from '@autopilot/contracts';
import { eventTypeChoices, knownPattern, SEVERITIES, type ChannelDraft } from './logic';

type Filters = Pick<ChannelDraft, 'eventTypes' | 'severities' | 'repos'>;

/** Which events a channel gets: catalog types (or `prefix.*`, `*`), severities, repositories. */
export function FiltersEditor({ value, onChange, error }: { value: Filters; onChange: (f: Filters) => void; error?: string }) {
  const { exact, prefixes } = eventTypeChoices();
  const [custom, setCustom] = useState('');
  const toggle = (list: string[], v: string, on: boolean) => (on ? [...new Set([...list, v])] : list.filter((x) => x !== v));
  const extra = value.eventTypes.filter((t) => !exact.includes(t) && !prefixes.includes(t));
  const describe = (t: string) => (t in EventCatalog ? EventCatalog[t as EventType].description : undefined);
  return (
    <fieldset className="ch-fieldset" aria-describedby={error ? 'ch-filters-error' : undefined}>
      <legend>Filters</legend>
      <details className="ch-types" open>
        <summary>
          Event types <span className="muted small">({value.eventTypes.length ? value.eventTypes.join(', ') : 'none: inbox.raised'})</span>
        </summary>
        <div className="st-checks ch-type-list" role="group" aria-label="Prefixes">
          {prefixes.map((p) => (
            <label key={p} title={p === '*' ? 'Every event' : `Every ${p.slice(0, -2)} event`}>
              <input type="checkbox" checked={value.eventTypes.includes(p)} onChange={(e) => onChange({ ...value, eventTypes: toggle(value.eventTypes, p, e.target.checked) })} />
              <span className="st-mono">{p}</span>
            </label>
          ))}
        </div>
        <div className="st-checks ch-type-list" role="group" aria-label="Event types">
          {exact.map((t) => (
            <label key={t} title={describe(t)}>
              <input type="checkbox" checked={value.eventTypes.includes(t)} onChange={(e) => onChange({ ...value, eventTypes: toggle(value.eventTypes, t, e.target.checked) })} />
              <span className="st-mono">{t}</span>
            </label>
          ))}
          {extra.map((t) => (
            <label key={t}>
              <input type="checkbox" checked onChange={() => onChange({ ...value, eventTypes: toggle(value.eventTypes, t, false) })} />
              <span className="st-mono">{t}</span>
            </label>
          ))}
        </div>
        <div className="ch-custom">
          <label htmlFor="ch-custom-type" className="small">
            Another pattern
          </label>
          <input id="ch-custom-type" className="st-mono" placeholder="github.*" value={custom} onChange={(e) => setCustom(e.target.value)} />
          <button
            type="button"
            disabled={!custom.trim() || !knownPattern(custom.trim())}
            onClick={() => {
              onChange({ ...value, eventTypes: toggle(value.eventTypes, custom.trim(), true) });
              setCustom('');
            }}
          >
            Add
          </button>
        </div>
      </details>
      <div className="st-field">
        <span id="ch-sev-label" className="small">
          Severities <span className="muted">(notifications; none ticked = all)</span>
        </span>
        <div className="st-checks" role="group" aria-labelledby="ch-sev-label">
          {SEVERITIES.map((s) => (
            <label key={s}>
              <input type="checkbox" checked={value.severities.includes(s)} onChange={(e) => onChange({ ...value, severities: toggle(value.severities, s, e.target.checked) })} /> {s}
            </label>
          ))}
        </div>
      </div>
      <div className="st-field">
        <label htmlFor="ch-repos" className="small">
          Repositories <span className="muted">(owner/name, comma or line separated; empty = all)</span>
        </label>
        <textarea id="ch-repos" rows={2} value={value.repos} onChange={(e) => onChange({ ...value, repos: e.target.value })} placeholder="acme/shop, acme/api" />
      </div>
      {error && (
        <span className="st-field-error" id="ch-filters-error" role="alert">
          {error}
        </span>
      )}
    </fieldset>
  );
}

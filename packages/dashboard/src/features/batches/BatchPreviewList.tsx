import type { BatchPreview } from '@autopilot/contracts';
import { problemsByItem } from './batch-logic';

const short = (source: string | null) => (source ? source.replace(/^sources\/github\//, '') : 'no repository');

/** The dry run: every item the batch would create, each problem under its item and row, skipped rows, batch-wide problems. */
export function BatchPreviewList({ preview, stale }: { preview: BatchPreview; stale: boolean }) {
  const problems = problemsByItem(preview);
  const general = problems.get(-1) ?? [];
  const count = preview.problems.length;
  return (
    <section className="bt-preview" aria-labelledby="batch-preview-title" data-testid="batch-preview">
      <h3 id="batch-preview-title">
        Preview: {preview.items.length} {preview.items.length === 1 ? 'session' : 'sessions'}
        {count > 0 ? `, ${count} ${count === 1 ? 'problem' : 'problems'}` : ', ready to start'}
      </h3>
      {stale && <p className="st-warn">The form changed since this preview: preview again to check it.</p>}
      {general.length > 0 && (
        <ul className="st-error bt-problems" role="alert">
          {general.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      <ol className="bt-items">
        {preview.items.map((it) => {
          const own = problems.get(it.index) ?? [];
          return (
            <li key={it.index} className={`bt-item${own.length ? ' failed' : ''}`} data-testid="batch-preview-item">
              <span className="bt-item-n" aria-label={`Item ${it.index + 1}${it.row ? `, row ${it.row}` : ''}`}>
                {it.row ? `r${it.row}` : it.index + 1}
              </span>
              <span className="bt-item-label">{it.label}</span>
              <span className="bt-item-text st-muted">
                {short(it.request.source)}
                {it.request.startingBranch ? ` @ ${it.request.startingBranch}` : ''}
              </span>
              {own.length > 0 && (
                <ul className="bt-item-problems">
                  {own.map((p, i) => (
                    <li key={i} className="st-field-error">
                      {p}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
      {preview.skipped.length > 0 && (
        <details>
          <summary className="st-muted">{preview.skipped.length} rows skipped</summary>
          <ul className="bt-skipped">
            {preview.skipped.map((s) => (
              <li key={s.row}>
                row {s.row}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

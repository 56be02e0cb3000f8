import { Link } from '../../app/router';
import { dateTime } from '../settings/settings-ui';
import { ErrorNote } from '../../lib/ui';
import '../settings/settings-pages.css';
import { BatchProgressView } from './BatchProgress';
import { useBatch } from './data';
import './batches.css';

const ORIGIN = { api: 'started here or through the API', template: 'launched from a template', schedule: 'started by a schedule', webhook: 'started by a webhook rule' } as const;

/** One batch: its progress bar and every item's state, live, with cancel and retry. */
export function BatchDetailPage({ id }: { id: string }) {
  const batch = useBatch(id);
  const b = batch.data;
  return (
    <section className="st-section">
      <p className="st-muted">
        <Link href="/batches">← Batches</Link>
      </p>
      {batch.isError && <ErrorNote error={batch.error} retry={() => void batch.refetch()} />}
      {batch.isLoading && <p className="st-muted">Loading…</p>}
      {b && (
        <>
          <div className="page-head">
            <h1 className="st-wrap">{b.name}</h1>
          </div>
          <dl className="st-facts">
            <div>
              <dt>Started</dt>
              <dd>{dateTime(b.createdAt)}</dd>
            </div>
            <div>
              <dt>Origin</dt>
              <dd>{ORIGIN[b.origin.kind]}</dd>
            </div>
            <div>
              <dt>Last change</dt>
              <dd>{dateTime(b.updatedAt)}</dd>
            </div>
          </dl>
          <BatchProgressView batch={b} />
        </>
      )}
    </section>
  );
}

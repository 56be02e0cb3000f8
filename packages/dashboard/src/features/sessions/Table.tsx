import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { SessionSummary } from '@autopilot/contracts';
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { repoOf } from './columns';
import { StatePill } from './SessionCard';

const ROW = 40;

/**
 * The table view: every filtered session in one virtualized list with ARIA table roles (a real <table> cannot hold
 * absolutely positioned rows, and only the visible rows exist in the DOM).
 */
export function SessionTable({ items }: { items: SessionSummary[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: items.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 10, getItemKey: (i) => items[i].id });
  return (
    <div className="stable" role="table" aria-label="Sessions" aria-rowcount={items.length + 1} data-testid="session-table">
      <div className="stable-row stable-head" role="row" aria-rowindex={1}>
        <span role="columnheader">Title</span>
        <span role="columnheader">State</span>
        <span role="columnheader">Repository</span>
        <span role="columnheader">Branch</span>
        <span role="columnheader">PR</span>
        <span role="columnheader">Updated</span>
      </div>
      <div className="stable-scroll" ref={scrollRef} role="rowgroup">
        {items.length === 0 && <p className="muted empty">No sessions match.</p>}
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((row) => {
            const s = items[row.index];
            return (
              <div key={row.key} className="stable-row" role="row" aria-rowindex={row.index + 2} data-session-id={s.id} style={{ transform: `translateY(${row.start}px)`, height: ROW }}>
                <span role="cell" className="ellipsis">
                  <Link href={`/sessions/${encodeURIComponent(s.id)}`}>{s.title || s.prompt}</Link>
                </span>
                <span role="cell">
                  <StatePill state={s.state} />
                </span>
                <span role="cell" className="ellipsis muted">
                  {repoOf(s.source)}
                </span>
                <span role="cell" className="ellipsis muted mono">
                  {s.startingBranch ?? ''}
                </span>
                <span role="cell">{s.prUrl ? <a href={s.prUrl} target="_blank" rel="noreferrer">PR</a> : ''}</span>
                <span role="cell" className="muted" title={s.updateTime}>
                  {ago(s.updateTime)}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

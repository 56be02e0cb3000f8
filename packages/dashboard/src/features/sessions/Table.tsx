import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Link } from '../../app/router';
import { ago } from '../../lib/format';
import { ErrorNote } from '../../lib/ui';
import type { BoardQuery } from './board.cache';
import { repoOf } from './columns';
import { useBoardList } from './data';
import { StatePill } from './SessionCard';
import { useLoadMore } from './useLoadMore';

const ROW = 40;

/**
 * The table view: every filtered session, newest update first, in one virtualized list with ARIA table roles (a
 * real <table> cannot hold absolutely positioned rows, and only the visible rows exist in the DOM), loaded page by
 * page as it scrolls. `total` is the server's count.
 */
export function SessionTable({ filter, total }: { filter: BoardQuery; total: number | undefined }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const list = useBoardList(filter, 'all');
  const items = list.data?.items ?? [];
  const more = !!list.data?.more;
  const v = useVirtualizer({ count: items.length + (more ? 1 : 0), getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 10, getItemKey: (i) => items[i]?.id ?? 'more' });
  useLoadMore(v, items.length, more, list.isFetchingNextPage, list.fetchNextPage);
  if (list.isError) return <ErrorNote error={list.error} retry={() => void list.refetch()} />;
  return (
    <div className="stable" role="table" aria-label="Sessions" aria-rowcount={(total ?? items.length) + 1} data-testid="session-table">
      <div className="stable-row stable-head" role="row" aria-rowindex={1}>
        <span role="columnheader">Title</span>
        <span role="columnheader">State</span>
        <span role="columnheader">Repository</span>
        <span role="columnheader">Branch</span>
        <span role="columnheader">PR</span>
        <span role="columnheader">Updated</span>
      </div>
      <div className="stable-scroll" ref={scrollRef} role="rowgroup">
        {list.isPending ? <p className="muted empty">Loading…</p> : items.length === 0 && <p className="muted empty">No sessions match.</p>}
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((row) => {
            const s = items[row.index];
            if (!s) return <p key={row.key} className="muted empty stable-row" style={{ transform: `translateY(${row.start}px)`, height: ROW }}>Loading more…</p>;
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

import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { BoardCounts } from '@autopilot/contracts';
import { ErrorNote } from '../../lib/ui';
import type { BoardQuery } from './board.cache';
import { COLUMNS, type ColumnId } from './columns';
import { useBoardList } from './data';
import { SessionCard } from './SessionCard';
import { useLoadMore } from './useLoadMore';
import { useBoardPullsLive } from '../github/data';

/** Card height plus gap: fixed, so the virtualizer never measures (smooth scrolling with thousands of cards). */
const CARD = 106;

function Column({ id, title, hint, filter, count }: { id: ColumnId; title: string; hint: string; filter: BoardQuery; count: number | undefined }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const list = useBoardList(filter, id);
  const items = list.data?.items ?? [];
  const more = !!list.data?.more;
  // One row past the loaded ones while more exist: a placeholder whose appearance asks for the next page.
  const v = useVirtualizer({ count: items.length + (more ? 1 : 0), getScrollElement: () => scrollRef.current, estimateSize: () => CARD, overscan: 6, getItemKey: (i) => items[i]?.id ?? 'more' });
  useLoadMore(v, items.length, more, list.isFetchingNextPage, list.fetchNextPage);
  const headingId = `col-${id}`;
  const shown = count ?? items.length;
  return (
    <section className={`board-col col-${id}`} aria-labelledby={headingId} data-testid={`column-${id}`}>
      <header className="board-col-head" title={hint}>
        <h2 id={headingId}>{title}</h2>
        <span className="count" data-testid={`count-${id}`} aria-label={`${shown} sessions`}>
          {count === undefined ? '…' : count}
        </span>
      </header>
      <div className="board-col-scroll" ref={scrollRef} data-loaded={items.length}>
        {list.isError ? (
          <ErrorNote error={list.error} retry={() => void list.refetch()} />
        ) : list.isPending ? (
          <p className="muted empty">Loading…</p>
        ) : items.length === 0 ? (
          <p className="muted empty">Nothing here</p>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {v.getVirtualItems().map((row) => (
              <div key={row.key} className="board-slot" style={{ transform: `translateY(${row.start}px)`, height: CARD }}>
                {row.index < items.length ? <SessionCard s={items[row.index]} column={id} /> : <p className="muted empty">Loading more…</p>}
              </div>
            ))}
          </div>
        )}
      </div>
    </section>
  );
}

/**
 * The board: one column per thing the user must do, each with the server's count and a virtualized list that
 * loads its pages as it scrolls.
 */
export function Board({ filter, counts }: { filter: BoardQuery; counts: BoardCounts | undefined }) {
  useBoardPullsLive();
  return (
    <div className="board" data-testid="board">
      {COLUMNS.map((c) => (
        <Column key={c.id} id={c.id} title={c.title} hint={c.hint} filter={filter} count={counts?.columns[c.id]} />
      ))}
    </div>
  );
}

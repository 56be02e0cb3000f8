import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { SessionSummary } from '@autopilot/contracts';
import { COLUMNS, type ColumnId } from './columns';
import { SessionCard } from './SessionCard';

/** Card height plus gap: fixed, so the virtualizer never measures (smooth scrolling with thousands of cards). */
const CARD = 106;

function Column({ id, title, hint, items }: { id: ColumnId; title: string; hint: string; items: SessionSummary[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: items.length, getScrollElement: () => scrollRef.current, estimateSize: () => CARD, overscan: 6, getItemKey: (i) => items[i].id });
  const headingId = `col-${id}`;
  return (
    <section className={`board-col col-${id}`} aria-labelledby={headingId} data-testid={`column-${id}`}>
      <header className="board-col-head" title={hint}>
        <h2 id={headingId}>{title}</h2>
        <span className="count" data-testid={`count-${id}`} aria-label={`${items.length} sessions`}>
          {items.length}
        </span>
      </header>
      <div className="board-col-scroll" ref={scrollRef}>
        {items.length === 0 ? (
          <p className="muted empty">Nothing here</p>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {v.getVirtualItems().map((row) => (
              <div key={row.key} className="board-slot" style={{ transform: `translateY(${row.start}px)`, height: CARD }}>
                <SessionCard s={items[row.index]} column={id} />
              </div>
            ))}
          </div>
        )}
      </div>
    </section>
  );
}

/** The board: one column per thing the user must do, each with its count and a virtualized list. */
export function Board({ groups }: { groups: Record<ColumnId, SessionSummary[]> }) {
  return (
    <div className="board" data-testid="board">
      {COLUMNS.map((c) => (
        <Column key={c.id} id={c.id} title={c.title} hint={c.hint} items={groups[c.id]} />
      ))}
    </div>
  );
}

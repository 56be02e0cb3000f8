import { useEffect } from 'react';
import type { Virtualizer } from '@tanstack/react-virtual';

/**
 * Asks for the next page once the virtualizer renders the list's last loaded rows, so a column or the table loads
 * only as far as the user scrolls.
 */
export function useLoadMore(v: Virtualizer<HTMLDivElement, Element>, loaded: number, more: boolean, busy: boolean, next: () => unknown) {
  const last = v.getVirtualItems().at(-1)?.index ?? -1;
  useEffect(() => {
    if (more && !busy && last >= loaded - 1) void next();
  }, [last, loaded, more, busy, next]);
}

import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link } from '../app/router';

export interface Toast {
  id: number;
  title: string;
  body?: string;
  level: 'info' | 'success' | 'warning' | 'error';
  href?: string;
}

const ToastContext = createContext<((t: Omit<Toast, 'id'>) => void) | null>(null);

/** Toasts in a polite live region; each disappears after a while or on its close button. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (t: Omit<Toast, 'id'>) => {
      const id = next.current++;
      // Keep at most five so a burst of notifications cannot cover the page.
      setToasts((ts) => [...ts.slice(-4), { ...t, id }]);
      setTimeout(() => dismiss(id), t.level === 'error' ? 12_000 : 6_000);
    },
    [dismiss],
  );
  const value = useMemo(() => push, [push]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.level}`}>
            <div className="toast-text">
              <strong>{t.href ? <Link href={t.href}>{t.title}</Link> : t.title}</strong>
              {t.body && <div>{t.body}</div>}
            </div>
            <button type="button" className="icon-button" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** Shows a toast. */
export function useToast() {
  const push = useContext(ToastContext);
  if (!push) throw new Error('useToast outside ToastProvider');
  return push;
}

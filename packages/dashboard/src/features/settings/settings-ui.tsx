import { useRef, type ReactNode } from 'react';
import { ApiError } from '@autopilot/client';
import type { Me, Role } from '@autopilot/contracts';
import { useModalDialog } from '../../lib/ui';
import './settings-pages.css';

/* Small pieces the API keys, workspace and routing sections share. */

export const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
export const isAdmin = (me: Me | undefined) => !!me && RANK[me.key.role] >= RANK.admin;

/** A native modal <dialog> (focus stays inside, Escape closes) open while `open` is true. */
export function Modal({ open, onClose, labelledBy, children, testId }: { open: boolean; onClose: () => void; labelledBy: string; children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useModalDialog(ref, open);
  return (
    <dialog ref={ref} className="st-dialog" aria-labelledby={labelledBy} onClose={onClose} data-testid={testId}>
      {open ? children : null}
    </dialog>
  );
}

/** Field errors of an API error (by field name, without `body.`), and the message for everything else. */
export function errorsOf(err: unknown): { fields: Record<string, string>; message: string } {
  if (err instanceof ApiError) return { fields: err.fieldErrors(), message: err.message };
  return { fields: {}, message: err instanceof Error ? err.message : String(err) };
}

/** A field's error text, tied to its input by id (aria-describedby). */
export function FieldError({ id, text }: { id: string; text?: string }) {
  return text ? (
    <span className="st-field-error" id={id} role="alert">
      {text}
    </span>
  ) : null;
}

/** aria props for an input whose error is shown by <FieldError id={id}>. */
export const describedBy = (id: string, text?: string) => (text ? { 'aria-invalid': true as const, 'aria-describedby': id } : {});

/** "2 Dec 2026, 14:05" in the viewer's locale, or "—". */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

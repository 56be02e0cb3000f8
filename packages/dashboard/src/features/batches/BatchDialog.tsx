import type { Template } from '@autopilot/contracts';

export interface BatchDialogProps {
  open: boolean;
  onClose: () => void;
  /** Launch this template (its variables are asked for); without it the dialog starts from a prompt or a task list. */
  template?: Template;
}

/**
 * The batch dialog: a template or prompt over many repositories, or a task list (lines, CSV, checklist), with a dry
 * run and then a progress bar with per-item state (skeleton: its owner fills it in).
 */
export function BatchDialog({ open }: BatchDialogProps) {
  if (!open) return null;
  return null;
}

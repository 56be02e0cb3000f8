import type { HookActionResult, HookDelivery } from '@autopilot/contracts';

/* Pure helpers of the delivery log. */

export const DELIVERY_STATUSES = ['queued', 'processed', 'no_match', 'failed'] as const satisfies readonly HookDelivery['status'][];

/** The pill class of a delivery status. */
export function statusPill(s: HookDelivery['status']): string {
  switch (s) {
    case 'processed':
      return 'pill pill-ok';
    case 'failed':
      return 'pill pill-down';
    case 'queued':
      return 'pill pill-degraded';
    default:
      return 'pill';
  }
}

/** Links to what a rule made: its batch, its session, its notification. */
export function resultLinks(r: Pick<HookActionResult, 'batchId' | 'sessionId' | 'notificationId'>): Array<{ label: string; href: string }> {
  const out: Array<{ label: string; href: string }> = [];
  if (r.batchId) out.push({ label: 'Batch', href: `/batches/${encodeURIComponent(r.batchId)}` });
  if (r.sessionId) out.push({ label: 'Session', href: `/sessions/${encodeURIComponent(r.sessionId)}` });
  if (r.notificationId) out.push({ label: 'Notification', href: `/notifications?id=${encodeURIComponent(r.notificationId)}` });
  return out;
}

/** The payload URL to give a sender: the server's, or this page's origin before it when the server has no public URL. */
export function payloadUrl(url: string, origin: string): string {
  return url.startsWith('/') ? `${origin.replace(/\/+$/, '')}${url}` : url;
}
